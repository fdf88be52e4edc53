package web

import "github.com/gofiber/fiber/v2"

func (w *Web) dashboardRoutes(r fiber.Router) {}
