// Command profserve is the bulwark command (cli.Run, as cmd/bulwark calls
// it) with CPU profiles taken on demand, for the gateway benchmark
// (PROFILE=1 bash bench/gateway/run.sh). SIGUSR1 starts a CPU profile
// into $BENCH_PROFILE_DIR/NAME.pprof, NAME read from
// $BENCH_PROFILE_DIR/label; SIGUSR2 stops it and then writes
// NAME.pprof.done, so the caller knows the file is complete. Its process
// id is written to $BENCH_PROFILE_DIR/pid at start.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"syscall"

	"github.com/bulwark-security/bulwark/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	if dir := os.Getenv("BENCH_PROFILE_DIR"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, "pid"), []byte(fmt.Sprint(os.Getpid())), 0o600); err != nil {
			fmt.Fprintf(os.Stderr, "profserve: %v\n", err)
		}
		go profileOnSignal(ctx, dir)
	}
	code := cli.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func profileOnSignal(ctx context.Context, dir string) {
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, syscall.SIGUSR1, syscall.SIGUSR2)
	var f *os.File
	for {
		select {
		case <-ctx.Done():
			if f != nil {
				pprof.StopCPUProfile()
				_ = f.Close()
			}
			return
		case s := <-sig:
			switch {
			case s == syscall.SIGUSR1 && f == nil:
				label, err := os.ReadFile(filepath.Join(dir, "label"))
				if err != nil {
					fmt.Fprintf(os.Stderr, "profserve: %v\n", err)
					continue
				}
				name := filepath.Join(dir, filepath.Base(strings.TrimSpace(string(label)))+".pprof")
				if f, err = os.Create(name); err != nil {
					fmt.Fprintf(os.Stderr, "profserve: %v\n", err)
					f = nil
					continue
				}
				if err := pprof.StartCPUProfile(f); err != nil {
					fmt.Fprintf(os.Stderr, "profserve: %v\n", err)
					_ = f.Close()
					f = nil
				}
			case s == syscall.SIGUSR2 && f != nil:
				pprof.StopCPUProfile()
				name := f.Name()
				_ = f.Close()
				f = nil
				_ = os.WriteFile(name+".done", []byte("done\n"), 0o600)
			}
		}
	}
}
