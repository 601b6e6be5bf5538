// Package exampleenv is the plumbing the example programs share, so that
// each example's main.go reads as the job it does: flags that fall back on
// LOYALTY_* environment variables, secrets read from the environment only
// after parsing (so -h never prints them), a -h that lists the environment
// variables as well as the flags, a deadline for the whole run, the
// embedded mock, and clients built from the flags or the mock.
package exampleenv

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"
)

// StopSignals are the signals that end an example's run: Ctrl-C, and the
// SIGTERM a service manager, a container runtime or a CI runner sends.
var StopSignals = []os.Signal{os.Interrupt, syscall.SIGTERM}

// Main runs run on a context that StopSignals cancel, so an example stops
// as its deadline does: cleanly, its files finished or left as they were.
// A -h prints the usage and exits 0; any other error is printed as "name:
// error" and exits 1.
func Main(name string, run func(ctx context.Context, args []string, stdout, stderr io.Writer) error) {
	ctx, stop := signal.NotifyContext(context.Background(), StopSignals...)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
}

// FlagSet is a flag.FlagSet that knows which environment variable each flag
// falls back on, and lists them in its usage.
type FlagSet struct {
	*flag.FlagSet
	// Description is the first line of -h: what the program does, in one
	// line.
	Description string
	envs        []envVar
	secrets     []secret
	envErrs     map[string]error // by flag: its variable holds a bad value
}

// envVar is one line of the usage's environment section.
type envVar struct{ name, flag, note string }

// secret is a string filled from the environment after parsing when its
// flag was not given.
type secret struct {
	p   *string
	env string
}

// NewFlagSet is a flag set for the program name, writing its usage and flag
// errors to w.
func NewFlagSet(name string, w io.Writer) *FlagSet {
	fs := &FlagSet{FlagSet: flag.NewFlagSet(name, flag.ContinueOnError)}
	fs.SetOutput(w)
	fs.Usage = fs.usage
	return fs
}

// usage prints the flags, then every environment variable and the flag it
// stands for. It never prints a secret's value.
func (fs *FlagSet) usage() {
	w := fs.Output()
	if fs.Description != "" {
		fmt.Fprintf(w, "%s\n\n", fs.Description)
	}
	fmt.Fprintf(w, "Usage of %s:\n", fs.Name())
	fs.PrintDefaults()
	if len(fs.envs) == 0 {
		return
	}
	fmt.Fprintln(w, "\nEnvironment variables (a flag given on the command line wins):")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, e := range fs.envs {
		what := "-" + e.flag
		if e.flag == "" {
			what = "(no flag)"
		}
		fmt.Fprintf(tw, "  %s\t%s\n", e.name, strings.TrimSpace(what+" "+e.note))
	}
	tw.Flush()
}

// String defines a string flag whose default is the environment variable
// env, or def when env is unset or empty.
func (fs *FlagSet) String(p *string, name, env, def, usage string) {
	if v := os.Getenv(env); v != "" {
		def = v
	}
	fs.StringVar(p, name, def, usage)
	fs.envs = append(fs.envs, envVar{name: env, flag: name})
}

// Duration defines a duration flag whose default is the environment
// variable env (a Go duration such as "90s"), or def when env is unset or
// empty. A bad value in env is an error of Parse, unless the flag is given.
func (fs *FlagSet) Duration(p *time.Duration, name, env string, def time.Duration, usage string) {
	if v := os.Getenv(env); v != "" {
		if d, err := time.ParseDuration(v); err == nil {
			def = d
		} else {
			if fs.envErrs == nil {
				fs.envErrs = map[string]error{}
			}
			fs.envErrs[name] = fmt.Errorf("$%s %q: want a duration such as 90s", env, v)
		}
	}
	fs.DurationVar(p, name, def, usage)
	fs.envs = append(fs.envs, envVar{name: env, flag: name})
}

// Secret defines a string that comes from the flag name or, when the flag
// is not given, from the environment variable env, read after parsing so
// that -h never prints it. An empty name defines no flag: the value comes
// from the environment only.
func (fs *FlagSet) Secret(p *string, name, env, what string) {
	if name != "" {
		fs.StringVar(p, name, "", what+" (prefer $"+env+": flags show in the process list)")
	}
	fs.secrets = append(fs.secrets, secret{p: p, env: env})
	note := "(secret, never printed)"
	if name == "" {
		note = what + " " + note
	}
	fs.envs = append(fs.envs, envVar{name: env, flag: name, note: note})
}

// LogEvery defines -log-every: how often the progress of a long job is
// logged as a line when stderr is not a terminal (on one, a bar is drawn).
func (fs *FlagSet) LogEvery(p *time.Duration) {
	fs.DurationVar(p, "log-every", DefaultLogEvery, "when stderr is not a terminal, log progress this often (on a terminal a bar is drawn)")
}

// Timeout defines -timeout, the deadline of the whole run.
func (fs *FlagSet) Timeout(p *time.Duration, def time.Duration) {
	fs.DurationVar(p, "timeout", def, "give up after this long (the whole run's deadline)")
}

// Parse parses args, refuses positional arguments and a -timeout that is
// not positive, and fills the secrets from the environment.
func (fs *FlagSet) Parse(args []string) error {
	if err := fs.FlagSet.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if len(fs.envErrs) > 0 {
		fs.Visit(func(f *flag.Flag) { delete(fs.envErrs, f.Name) })
		for _, err := range fs.envErrs {
			return err
		}
	}
	if f := fs.Lookup("timeout"); f != nil {
		if d, _ := f.Value.(flag.Getter).Get().(time.Duration); d <= 0 {
			return fmt.Errorf("-timeout %v: want a positive duration", d)
		}
	}
	for _, s := range fs.secrets {
		if *s.p == "" {
			*s.p = os.Getenv(s.env)
		}
	}
	return nil
}
