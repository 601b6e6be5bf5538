package exampleenv

import (
	"bufio"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// mainHelperEnv makes the test binary run Main with a job that waits for
// its context, as a long export does (TestMainStopsOnSIGTERM).
const mainHelperEnv = "EXAMPLEENV_MAIN_HELPER"

func TestMain(m *testing.M) {
	if os.Getenv(mainHelperEnv) == "1" {
		Main("helper", func(ctx context.Context, _ []string, stdout, _ io.Writer) error {
			io.WriteString(stdout, "started\n")
			<-ctx.Done()
			io.WriteString(stdout, "stopping: "+context.Cause(ctx).Error()+"\n")
			return ctx.Err()
		})
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestMainStopsOnSIGTERM: SIGTERM (what docker stop, systemd and CI
// runners send) cancels the run's context as Ctrl-C does, so the job ends
// through its own error path (files finished or left, a report printed)
// instead of being killed mid-write.
func TestMainStopsOnSIGTERM(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), mainHelperEnv+"=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(stdout)
	if line, err := r.ReadString('\n'); line != "started\n" {
		cmd.Process.Kill()
		t.Fatalf("helper printed %q (%v), want \"started\"", line, err)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	time.AfterFunc(10*time.Second, func() {
		select {
		case <-done:
		default:
			cmd.Process.Kill()
		}
	})
	rest, _ := io.ReadAll(r)
	err = cmd.Wait()
	close(done)
	if want := "stopping: terminated signal received\n"; string(rest) != want {
		t.Errorf("after SIGTERM the job printed %q, want %q (its context cancelled by the signal)", rest, want)
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Errorf("exit: %v, want status 1 (the job's error reported)", err)
	}
	if !strings.Contains(stderr.String(), "helper: context canceled") {
		t.Errorf("stderr %q, want the job's error as \"helper: context canceled\"", stderr.String())
	}
}
