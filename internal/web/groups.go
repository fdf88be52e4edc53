package web

import "github.com/gofiber/fiber/v2"

func (w *Web) groupRoutes(r fiber.Router) {}
