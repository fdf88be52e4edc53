package web

import "github.com/gofiber/fiber/v2"

func (w *Web) moreAccountRoutes(r fiber.Router) {}
