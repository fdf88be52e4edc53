package web_test

import (
	"testing"

	"github.com/taito-lms/taito/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }
