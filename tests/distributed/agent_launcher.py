#!/usr/bin/env python3
"""Starts a command as the workers of a data-parallel job the way torchrun's
agent does with its default static rendezvous, for testing attune against
torchrun's environment contract where torchrun itself cannot run (Debian's
torchrun, torch 1.13, fails under Python 3.11 before it starts a worker).

What it does, as torch/distributed/elastic does (torch 1.13):
- serves the job's TCPStore on MASTER_PORT itself
  (StaticTCPRendezvous: TCPStore(addr, port, world_size, is_master=True)),
  so the workers must connect to it as clients
  (TORCHELASTIC_USE_AGENT_STORE=True);
- gives each worker LocalElasticAgent._start_workers's variables: RANK,
  LOCAL_RANK, GROUP_RANK, ROLE_RANK, ROLE_NAME, LOCAL_WORLD_SIZE, WORLD_SIZE,
  GROUP_WORLD_SIZE, ROLE_WORLD_SIZE, MASTER_ADDR, MASTER_PORT,
  TORCHELASTIC_RESTART_COUNT, TORCHELASTIC_MAX_RESTARTS, TORCHELASTIC_RUN_ID,
  TORCHELASTIC_USE_AGENT_STORE, and OMP_NUM_THREADS=1 where unset (torchrun's
  default for several workers);
- replaces `${local_rank}` in the command's arguments (torchrun's macro);
- when a worker fails, stops the others (SIGTERM, then SIGKILL) and starts
  them all again with TORCHELASTIC_RESTART_COUNT one higher, up to
  --max-restarts times; exits 0 when every worker of an attempt succeeded,
  else 1 (as torchrun's ChildFailedError does).

Test-only options: --no-stop lets the other workers run on when one fails
(as the workers on another node see it: they learn of the failure only from
the job itself); --set RANK:NAME=VALUE overrides a variable of one worker;
--kill-in-first-attempt RANK:PATTERN kills that worker in attempt 0 once a
file matches the glob PATTERN (a crash at a known point of the run).

Usage: agent_launcher.py [options] -- COMMAND [ARG ...]
"""

import argparse
import datetime
import glob
import os
import signal
import socket
import subprocess
import sys
import time

import torch.distributed as dist


def log(message):
    print(f"agent: {message}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nproc", type=int, default=2, help="workers on this node")
    parser.add_argument("--nnodes", type=int, default=1, help="nodes of the job (WORLD_SIZE = nnodes * nproc)")
    parser.add_argument("--node-rank", type=int, default=0, help="this node's GROUP_RANK")
    parser.add_argument("--master-addr", default="127.0.0.1")
    parser.add_argument("--master-port", type=int, default=0, help="default: a free port")
    parser.add_argument("--run-id", default="none", help="TORCHELASTIC_RUN_ID (torchrun's default: none)")
    parser.add_argument("--max-restarts", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=900, help="the store's timeout, seconds")
    parser.add_argument("--no-stop", action="store_true", help="let the others run on when a worker fails")
    parser.add_argument("--set", action="append", default=[], metavar="RANK:NAME=VALUE")
    parser.add_argument("--kill-in-first-attempt", metavar="RANK:PATTERN")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    if args.command and args.command[0] == "--":
        args.command = args.command[1:]
    if not args.command:
        parser.error("give the command to run after --")
    return args


def worker_env(args, local_rank, port, attempt):
    world_size = args.nnodes * args.nproc
    rank = args.node_rank * args.nproc + local_rank
    env = dict(os.environ)
    env.update({
        "LOCAL_RANK": str(local_rank),
        "RANK": str(rank),
        "GROUP_RANK": str(args.node_rank),
        "ROLE_RANK": str(rank),
        "ROLE_NAME": "default",
        "LOCAL_WORLD_SIZE": str(args.nproc),
        "WORLD_SIZE": str(world_size),
        "GROUP_WORLD_SIZE": str(args.nnodes),
        "ROLE_WORLD_SIZE": str(world_size),
        "MASTER_ADDR": args.master_addr,
        "MASTER_PORT": str(port),
        "TORCHELASTIC_RESTART_COUNT": str(attempt),
        "TORCHELASTIC_MAX_RESTARTS": str(args.max_restarts),
        "TORCHELASTIC_RUN_ID": args.run_id,
        "TORCHELASTIC_USE_AGENT_STORE": str(True),
        "NCCL_ASYNC_ERROR_HANDLING": os.environ.get("NCCL_ASYNC_ERROR_HANDLING", "1"),
    })
    if args.nproc > 1:
        env.setdefault("OMP_NUM_THREADS", "1")
    for override in args.set:
        target, assignment = override.split(":", 1)
        name, value = assignment.split("=", 1)
        if int(target) == rank:
            env[name] = value
    return env


def stop(workers):
    for process in workers.values():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 30
    for process in workers.values():
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run_attempt(args, port, attempt):
    """Starts every worker; returns (local rank, exit code) of the first failure, or None."""
    log(f"attempt {attempt}: starting {args.nproc} worker(s), store at {args.master_addr}:{port}")
    workers = {}
    for local_rank in range(args.nproc):
        command = [a.replace("${local_rank}", str(local_rank)) for a in args.command]
        workers[local_rank] = subprocess.Popen(command, env=worker_env(args, local_rank, port, attempt))
    kill_rank, kill_path = None, None
    if args.kill_in_first_attempt and attempt == 0:
        target, kill_path = args.kill_in_first_attempt.split(":", 1)
        kill_rank = int(target) - args.node_rank * args.nproc
    failure = None
    exited = set()
    while True:
        if kill_rank is not None and glob.glob(kill_path):
            log(f"attempt {attempt}: {glob.glob(kill_path)[0]} exists; killing local rank {kill_rank}")
            workers[kill_rank].kill()
            kill_rank = None
        codes = {local_rank: process.poll() for local_rank, process in workers.items()}
        for local_rank, code in codes.items():
            if code is None or local_rank in exited:
                continue
            exited.add(local_rank)
            log(f"attempt {attempt}: local rank {local_rank} exited with {code}")
            if code != 0 and failure is None:
                failure = (local_rank, code)
                if not args.no_stop:
                    stop(workers)
        if len(exited) == len(workers):
            return failure
        time.sleep(0.01)


def main():
    args = parse_args()
    port = args.master_port or free_port()
    world_size = args.nnodes * args.nproc
    # The agent's store, served for the whole job, attempts included.
    # As torchrun: libuv's server where USE_LIBUV allows it (PyTorch >= 2.4 has
    # the choice, and a torch built without libuv needs USE_LIBUV=0).
    options = {"wait_for_workers": False}
    if "use_libuv" in (dist.TCPStore.__init__.__doc__ or ""):
        options["use_libuv"] = os.environ.get("USE_LIBUV", "1") == "1"
    store = dist.TCPStore(args.master_addr, port, world_size, True, datetime.timedelta(seconds=args.timeout),
                          **options)
    for attempt in range(args.max_restarts + 1):
        failure = run_attempt(args, port, attempt)
        if failure is None:
            log(f"attempt {attempt}: every worker succeeded")
            return 0
        if attempt < args.max_restarts:
            log(f"restarting the workers ({args.max_restarts - attempt} restart(s) left)")
    log("failed: no restarts left")
    del store
    return 1


if __name__ == "__main__":
    sys.exit(main())
