package web

import "github.com/gofiber/fiber/v2"

func (w *Web) authoringRoutes(r fiber.Router) {}
