package web

import "github.com/gofiber/fiber/v2"

func (w *Web) quizRoutes(r fiber.Router) {}
