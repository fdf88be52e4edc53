package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/taito-lms/taito/internal/app"
	"github.com/taito-lms/taito/internal/config"
	"github.com/taito-lms/taito/internal/course"
)

// courseDir is one course found on disk: fsys is rooted at the directory that holds both
// courses/ and assets/, and dir is the course's path in it.
type courseDir struct {
	fsys fs.FS
	dir  string
}

// findCourses turns command-line directories into course directories: a directory with a
// course.yaml is a course; otherwise each of its subdirectories with one is.
func findCourses(args []string) ([]courseDir, error) {
	var out []courseDir
	for _, a := range args {
		abs, err := filepath.Abs(a)
		if err != nil {
			return nil, err
		}
		fi, err := os.Stat(abs)
		if err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("%s is not a directory", a)
		}
		dirs := []string{abs}
		if _, err := os.Stat(filepath.Join(abs, "course.yaml")); err != nil {
			entries, err := os.ReadDir(abs)
			if err != nil {
				return nil, err
			}
			dirs = nil
			for _, e := range entries {
				if _, err := os.Stat(filepath.Join(abs, e.Name(), "course.yaml")); e.IsDir() && err == nil {
					dirs = append(dirs, filepath.Join(abs, e.Name()))
				}
			}
			if len(dirs) == 0 {
				return nil, fmt.Errorf("%s holds no course (no course.yaml in it or in its subdirectories)", a)
			}
		}
		for _, d := range dirs {
			// courses/<slug> → the root is the directory above courses/, where assets/ is.
			root := filepath.Dir(filepath.Dir(d))
			rel, _ := filepath.Rel(root, d)
			out = append(out, courseDir{fsys: os.DirFS(root), dir: filepath.ToSlash(rel)})
		}
	}
	return out, nil
}

// isTerminal reports whether w is a terminal, for drawing a progress bar.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func progress(w io.Writer) func(done, total int, name string) {
	if isTerminal(w) {
		return func(done, total int, name string) {
			width := 30
			filled := width * done / total
			fmt.Fprintf(w, "\r  [%s%s] %d/%d %-40.40s", strings.Repeat("#", filled), strings.Repeat(" ", width-filled), done, total, filepath.Base(name))
			if done == total {
				fmt.Fprintln(w)
			}
		}
	}
	return func(done, total int, name string) { fmt.Fprintf(w, "  asset %d/%d %s\n", done, total, name) }
}

// importCourses loads, checks and stores courses (only checks them when a is nil), printing
// every problem. It returns an error when any course has errors; good courses are still stored.
func importCourses(ctx context.Context, a *app.App, dirs []courseDir, opt course.ImportOptions, out io.Writer) error {
	failed := 0
	for _, cd := range dirs {
		co, problems := course.Load(cd.fsys, cd.dir)
		slices.SortStableFunc(problems, func(a, b course.Problem) int { return strings.Compare(a.Where, b.Where) })
		errs := 0
		for _, p := range problems {
			fmt.Fprintln(out, p.String())
			if p.Severity == course.SeverityError {
				errs++
			}
		}
		if errs > 0 {
			fmt.Fprintf(out, "%s: %d errors, %d warnings: not imported\n", cd.dir, errs, len(problems)-errs)
			failed++
			continue
		}
		var res course.ImportResult
		var err error
		if a == nil {
			res, err = app.CheckCourse(co, cd.fsys, opt.Progress)
		} else {
			res, err = a.ImportCourse(ctx, co, cd.fsys, opt)
		}
		if err != nil {
			fmt.Fprintf(out, "%s: %v\n", cd.dir, describe(err))
			failed++
			continue
		}
		summary := fmt.Sprintf("%s: %d modules, %d lessons, locales %s; %d assets (%d uploaded); draft %s", co.Slug, len(co.Modules), len(co.LessonIDs()), strings.Join(co.CompleteLocales(), "+"), res.Assets, res.Uploaded, res.Draft)
		if res.Published > 0 {
			summary += fmt.Sprintf("; published version %d", res.Published)
		} else if opt.Publish {
			summary += "; published version unchanged"
		}
		fmt.Fprintln(out, summary)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d courses not imported", failed, len(dirs))
	}
	return nil
}

func importCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("import", stderr)
	publish := fs.Bool("publish", false, "publish each course after storing it (skipped when unchanged)")
	dryRun := fs.Bool("dry-run", false, "check everything, store nothing")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("%w: taito import [--publish] [--dry-run] DIR...", errUsage)
	}
	dirs, err := findCourses(fs.Args())
	if err != nil {
		return err
	}
	opt := course.ImportOptions{Publish: *publish, DryRun: *dryRun, Progress: progress(stdout)}
	if *dryRun {
		// Nothing is stored, so no server is needed.
		return importCourses(ctx, nil, dirs, opt, stdout)
	}
	return withApp(ctx, getenv, stderr, true, func(a *app.App, _ *slog.Logger) error {
		return importCourses(ctx, a, dirs, opt, stdout)
	})
}

// firstCourses imports and publishes the shipped courses when an embedded database has none,
// so a newcomer sees a real course on the first start.
func firstCourses(ctx context.Context, a *app.App, cfg config.Config, log *slog.Logger) error {
	if has, err := a.HasCourses(ctx); err != nil || has {
		return err
	}
	if _, err := os.Stat(cfg.CoursesDir); errors.Is(err, os.ErrNotExist) {
		log.Info("no shipped courses to import", "dir", cfg.CoursesDir)
		return nil
	}
	dirs, err := findCourses([]string{cfg.CoursesDir})
	if err != nil {
		log.Warn("shipped courses not imported", "err", err)
		return nil
	}
	var report strings.Builder
	if err := importCourses(ctx, a, dirs, course.ImportOptions{Publish: true}, &report); err != nil {
		log.Warn("shipped courses not all imported", "err", err, "report", report.String())
		return nil
	}
	log.Info("imported the shipped courses", "report", strings.TrimSpace(report.String()))
	return nil
}

func progressCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "rebuild" {
		return fmt.Errorf("%w: taito progress rebuild [--course SLUG]", errUsage)
	}
	fs := newFlags("progress rebuild", stderr)
	slug := fs.String("course", "", "only this course")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if *slug != "" && !course.ValidSlug(*slug) {
		return fmt.Errorf("%w: --course %q is not a course slug", errUsage, *slug)
	}
	return withApp(ctx, getenv, stderr, false, func(a *app.App, _ *slog.Logger) error {
		n, err := a.Learning.RebuildAll(ctx, *slug)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "rebuilt %d progress projections from the statement log\n", n)
		return nil
	})
}

// mediaGC deletes abandoned uploads and reports media no course version uses.
func mediaGC(ctx context.Context, a *app.App, dryRun bool, log *slog.Logger, out io.Writer) error {
	refs, err := a.Courses.ReferencedMedia(ctx)
	if err != nil {
		return err
	}
	stale, unused, err := a.Media.GC(ctx, func(id string) bool { return refs[id] }, dryRun)
	if err != nil {
		return err
	}
	if out != nil {
		verb := "deleted"
		if dryRun {
			verb = "would delete"
		}
		for _, k := range stale {
			fmt.Fprintf(out, "%s %s (abandoned upload)\n", verb, k)
		}
		for _, it := range unused {
			fmt.Fprintf(out, "unused: %s %s %s %d bytes\n", it.ID, it.ContentType, it.Filename, it.Size)
		}
		fmt.Fprintf(out, "%d abandoned uploads, %d media items no course version uses\n", len(stale), len(unused))
	}
	if len(stale) > 0 || len(unused) > 0 {
		log.Info("media housekeeping", "abandoned_uploads", len(stale), "unused_media", len(unused), "dry_run", dryRun)
	}
	return nil
}

func mediaCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "gc" {
		return fmt.Errorf("%w: taito media gc [--dry-run]", errUsage)
	}
	fs := newFlags("media gc", stderr)
	dryRun := fs.Bool("dry-run", false, "report only")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	return withApp(ctx, getenv, stderr, true, func(a *app.App, log *slog.Logger) error {
		return mediaGC(ctx, a, *dryRun, log, stdout)
	})
}
