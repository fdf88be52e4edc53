package web

import "github.com/gofiber/fiber/v2"

func (w *Web) adminRoutes(r fiber.Router) {}
