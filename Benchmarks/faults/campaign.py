#!/usr/bin/env python3
"""The fault campaign: repo's commands killed, starved of disk and denied writes at many
points, and after every fault the promises checked.

Faults, per command (snapshot, forget + prune, copy, key add/passwd/remove, repair index,
repair snapshots, and repair packs / key rotate when the binary has them):
  * SIGKILL at random moments (a random delay within the command's measured duration);
  * SIGKILL on entering the N-th rename or unlink of a thread, for N = 1, 2, ... until the
    command finishes untouched (strace's syscall injection), so every rename and unlink
    of the command's write ordering is a kill point;
  * ENOSPC from the N-th write of a thread (strace), and a real full file system (a small
    tmpfs holding the repository, filled but for a few hundred KiB);
  * a read-only repository (the tmpfs remounted read-only).

After each fault: stale locks are removed (`repo unlock`, as an operator would), then
`check --read-data` must pass, the same command run again must succeed, and every
snapshot committed before (and any the faulted run committed) must restore byte for byte.
Anything else counts as data lost, and the campaign exits 1.

Run as root (tmpfs mounts) with strace installed: Benchmarks/faults/run.sh [--quick].
"""
import argparse
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

RENAME_UNLINK = "rename,renameat,renameat2,unlink,unlinkat"
WRITES = "write,pwrite64,writev,pwritev,pwritev2"


class Campaign:
    def __init__(self, binary, work, seed, random_kills, max_points, restore_all):
        self.binary = binary
        self.work = work
        self.rng = random.Random(seed)
        self.random_kills = random_kills
        self.max_points = max_points
        self.restore_all = restore_all
        self.mount = os.path.join(work, "store")  # a tmpfs: full and read-only faults
        self.repository = os.path.join(self.mount, "repo")
        self.target = os.path.join(work, "copy-target")
        self.source = os.path.join(work, "src")
        self.password = "campaign-password"
        self.expected = {}  # snapshot id -> manifest of what it must restore to
        self.copied = {}  # target snapshot id -> manifest
        self.runs = 0
        self.faults = 0
        self.lost = []
        self.unrecovered = []
        self.tally = {}

    # ---- plumbing

    def env(self, repository=None, password=None):
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": self.work,
               "XDG_CACHE_HOME": os.path.join(self.work, "cache"),
               "REPO_REPOSITORY": repository or self.repository,
               "REPO_PASSWORD": password or self.password, "TZ": "UTC"}
        return env

    def repo(self, args, wrap=None, repository=None, password=None, timeout=600):
        command = (wrap or []) + [self.binary] + args
        started = time.monotonic()
        result = subprocess.run(command, env=self.env(repository, password), capture_output=True,
                                timeout=timeout, text=True, errors="replace")
        result.seconds = time.monotonic() - started
        return result

    def must(self, args, **kwargs):
        result = self.repo(args, **kwargs)
        if result.returncode != 0:
            raise SystemExit(f"campaign setup failed: repo {' '.join(args)} exited {result.returncode}: "
                             f"{result.stderr.strip()}")
        return result

    def mount_store(self):
        os.makedirs(self.mount, exist_ok=True)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2g", "tmpfs", self.mount], check=True)

    def remount(self, mode):
        subprocess.run(["mount", "-o", f"remount,{mode}", self.mount], check=True)

    # ---- the source and what snapshots must restore to

    def write_file(self, path, size):
        # Half random, half repetitive: compressible and not, as real files are.
        random_part = self.rng.randbytes(size // 2)
        text = (b"line %d of a log file that repeats\n" % self.rng.randrange(1000)) * (size // 70 + 1)
        with open(path, "wb") as handle:
            handle.write(random_part + text[: size - len(random_part)])

    def make_source(self):
        for directory in range(6):
            os.makedirs(os.path.join(self.source, f"d{directory}", "sub"), exist_ok=True)
        for index in range(40):
            folder = os.path.join(self.source, f"d{index % 6}", "sub" if index % 3 == 0 else "")
            self.write_file(os.path.join(folder, f"f{index}"), self.rng.choice([900, 20_000, 150_000, 700_000]))

    def change_source(self):
        """A new version: some files rewritten, one added, one removed."""
        files = [os.path.join(root, name) for root, _, names in os.walk(self.source) for name in names]
        for path in self.rng.sample(files, max(1, len(files) // 6)):
            self.write_file(path, self.rng.choice([900, 20_000, 150_000, 700_000]))
        self.write_file(os.path.join(self.source, f"d{self.rng.randrange(6)}", f"n{self.rng.randrange(10**9)}"),
                        self.rng.choice([5_000, 300_000]))
        if len(files) > 30:
            os.unlink(self.rng.choice(files))

    @staticmethod
    def manifest(root):
        entries = {}
        for directory, folders, names in os.walk(root):
            for name in folders:
                entries[os.path.relpath(os.path.join(directory, name), root)] = "dir"
            for name in names:
                path = os.path.join(directory, name)
                with open(path, "rb") as handle:
                    entries[os.path.relpath(path, root)] = hashlib.sha256(handle.read()).hexdigest()
        return entries

    def snapshot_ids(self, repository=None):
        result = self.repo(["snapshots", "--json"], repository=repository)
        if result.returncode != 0:
            return None
        return {entry["id"]: entry for entry in json.loads(result.stdout)}

    # ---- the promises

    def lose(self, what):
        self.lost.append(what)
        print(f"  DATA LOST: {what}", flush=True)

    def fail(self, what):
        """Not data lost, but a promise broken all the same: the command did not work again
        after the fault, crashed, or misbehaved on a read-only repository."""
        self.unrecovered.append(what)
        print(f"  FAILURE: {what}", flush=True)

    def verify(self, label, source_manifest, targeted=frozenset(), rerun=None):
        """After a fault: unlock, check, adopt what the faulted run committed, restore,
        and run the command again."""
        self.repo(["unlock"])
        check = self.repo(["check", "--read-data"])
        if check.returncode != 0:
            self.lose(f"{label}: check --read-data exited {check.returncode}: {check.stdout[-400:]}{check.stderr[-400:]}")
        listed = self.snapshot_ids()
        if listed is None:
            self.lose(f"{label}: snapshots cannot be listed")
            return
        for snapshot in list(self.expected):
            if snapshot not in listed:
                if snapshot in targeted:
                    del self.expected[snapshot]  # forgotten, as asked
                else:
                    self.lose(f"{label}: snapshot {snapshot[:8]} is gone")
                    del self.expected[snapshot]
        for snapshot in listed:
            if snapshot not in self.expected and source_manifest is not None:
                self.expected[snapshot] = source_manifest  # committed by the faulted run
        self.restore_and_compare(label)
        if rerun:
            again = rerun()
            if again is not None and again.returncode != 0:
                self.fail(f"{label}: the next run exited {again.returncode}: {again.stderr.strip()[-300:]}")

    def restore_and_compare(self, label, everything=False, repository=None, expected=None):
        expected = self.expected if expected is None else expected
        snapshots = sorted(expected)
        if not everything and not self.restore_all and len(snapshots) > 4:
            snapshots = snapshots[-1:] + self.rng.sample(snapshots[:-1], 3)
        for snapshot in snapshots:
            target = tempfile.mkdtemp(dir=self.work, prefix="restore-")
            try:
                result = self.repo(["restore", snapshot, "--target", target], repository=repository)
                restored = os.path.join(target, os.path.relpath(self.source, "/"))
                if result.returncode != 0:
                    self.lose(f"{label}: restore of {snapshot[:8]} exited {result.returncode}: {result.stderr.strip()[-300:]}")
                elif self.manifest(restored) != expected[snapshot]:
                    self.lose(f"{label}: snapshot {snapshot[:8]} restores different bytes")
            finally:
                shutil.rmtree(target, ignore_errors=True)

    # ---- faults

    def count(self, command, kind, fired):
        self.runs += 1
        self.faults += 1 if fired else 0
        key = (command, kind)
        runs, fired_count = self.tally.get(key, (0, 0))
        self.tally[key] = (runs + 1, fired_count + (1 if fired else 0))

    def killed_at_random(self, args, expected_seconds):
        """Starts the command and SIGKILLs it after a random part of its usual duration."""
        process = subprocess.Popen([self.binary] + args, env=self.env(), stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        time.sleep(self.rng.uniform(0, expected_seconds * 1.1))
        fired = process.poll() is None
        if fired:
            process.send_signal(signal.SIGKILL)
        process.wait()
        return fired

    def strace_wrap(self, syscalls, action, point):
        log = os.path.join(self.work, "strace.log")
        return ["strace", "-f", "-qq", "-o", log, "-e", f"trace={syscalls}",
                "-e", f"inject={syscalls}:{action}:when={point}"], log

    def injected(self, args, syscalls, action, point):
        """Runs the command with strace injecting `action` at the point-th call of a thread;
        answers whether the injection fired, and the result."""
        wrap, log = self.strace_wrap(syscalls, action, point)
        result = self.repo(args, wrap=wrap)
        with open(log, errors="replace") as handle:
            text = handle.read()
        fired = "INJECTED" in text or "killed by SIGKILL" in text
        if result.returncode < 0 or result.returncode > 128:
            crash = result.returncode not in (-9, 137)
        else:
            crash = "Fatal error" in result.stderr or "Segmentation" in result.stderr
        if crash:
            self.fail(f"repo {' '.join(args)} crashed under {action} at {point}: {result.returncode} {result.stderr[-300:]}")
        return fired, result

    def campaign_for(self, name, prepare, args, source_manifest=lambda: None, targeted=lambda: frozenset(),
                     rerun=None, kinds=("random", "rename", "enospc"), max_points=None):
        """Every fault kind for one command. `prepare` gives the command work to do before
        each faulted run, `args` builds its arguments (after `prepare`), `source_manifest`
        says what a snapshot it commits must hold, `targeted` which snapshots it may
        remove, and `rerun` runs it again cleanly afterwards."""
        prepare()
        timing = self.repo(args())
        duration = max(timing.seconds, 0.05)
        self.verify(f"{name} (warm-up)", source_manifest(), targeted())
        print(f"{name}: {duration:.2f} s a run", flush=True)
        if "random" in kinds:
            for attempt in range(self.random_kills):
                prepare()
                manifest, aimed = source_manifest(), targeted()
                fired = self.killed_at_random(args(), duration)
                self.count(name, "SIGKILL at a random moment", fired)
                self.verify(f"{name} random kill {attempt}", manifest, aimed, rerun)
        for kind, syscalls, action in (("rename", RENAME_UNLINK, "signal=SIGKILL"), ("enospc", WRITES, "error=ENOSPC")):
            if kind not in kinds:
                continue
            label = "SIGKILL at each rename/unlink" if kind == "rename" else "ENOSPC at each write"
            point = 1
            while point <= min(self.max_points, max_points or self.max_points):
                prepare()
                manifest, aimed = source_manifest(), targeted()
                fired, _ = self.injected(args(), syscalls, action, point)
                if not fired:
                    # The command ran to its end without reaching this point: what it
                    # committed is adopted with this run's manifest, and the loop ends.
                    self.verify(f"{name} {kind} {point} (no fault)", manifest, aimed)
                    break
                self.count(name, label, True)
                self.verify(f"{name} {kind} {point}", manifest, aimed, rerun)
                # Every point for the first writes, then a sample: a snapshot makes thousands.
                point += 1 if kind == "rename" or point < 40 else self.rng.randrange(5, 40)

    # ---- the commands

    def new_snapshot(self):
        """A clean snapshot of the source as it is now, remembered with its manifest."""
        result = self.repo(["snapshot", self.source, "--json"])
        if result.returncode == 0:
            self.expected[json.loads(result.stdout.strip().splitlines()[-1])["snapshot"]] = self.manifest(self.source)
        return result

    def snapshot_phase(self):
        self.campaign_for("snapshot", self.change_source, lambda: ["snapshot", self.source],
                          source_manifest=lambda: self.manifest(self.source), rerun=self.new_snapshot)

    def forget_and_prune_phase(self):
        """Each run forgets the two oldest snapshots (after adding a new one) and prunes."""
        aimed = {"ids": frozenset()}

        def prepare():
            self.change_source()
            self.new_snapshot()
            listed = self.snapshot_ids() or {}
            oldest = sorted(self.expected, key=lambda snapshot: listed.get(snapshot, {}).get("time", ""))[:2]
            aimed["ids"] = frozenset(oldest)

        self.campaign_for("forget --prune", prepare, lambda: ["forget", "--prune", *sorted(aimed["ids"])],
                          targeted=lambda: aimed["ids"], rerun=lambda: self.repo(["prune"]))

    def copy_phase(self):
        if not os.path.exists(self.target):
            self.must(["init", "--pack-size", "1"], repository=self.target)

        def copy_args():
            return ["copy", "--from", self.repository, "--to", self.target]

        def verify_target(label):
            self.repo(["unlock"], repository=self.target)
            check = self.repo(["check", "--read-data"], repository=self.target)
            if check.returncode != 0:
                self.lose(f"{label}: the copy target's check exited {check.returncode}: {check.stdout[-300:]}")
            listed = self.snapshot_ids(self.target) or {}
            for snapshot, entry in listed.items():
                origin = entry.get("copied_from")
                if snapshot not in self.copied and origin in self.expected:
                    self.copied[snapshot] = self.expected[origin]
            for snapshot in list(self.copied):
                if snapshot not in listed:
                    self.lose(f"{label}: copied snapshot {snapshot[:8]} is gone")
                    del self.copied[snapshot]
            self.restore_and_compare(label, repository=self.target, expected=self.copied)

        def prepare():
            self.change_source()
            self.new_snapshot()

        prepare()
        timing = self.repo(copy_args())
        duration = max(timing.seconds, 0.05)
        verify_target("copy (warm-up)")
        print(f"copy: {duration:.2f} s a run", flush=True)
        for attempt in range(self.random_kills):
            prepare()
            fired = self.killed_at_random(copy_args(), duration)
            self.count("copy", "SIGKILL at a random moment", fired)
            self.verify(f"copy random kill {attempt}", None)
            verify_target(f"copy random kill {attempt}")
            self.rerun_must_work("copy", copy_args(), repository=self.target)
        point = 1
        while point <= self.max_points:
            prepare()
            fired, _ = self.injected(copy_args(), RENAME_UNLINK, "signal=SIGKILL", point)
            if not fired:
                break
            self.count("copy", "SIGKILL at each rename/unlink", True)
            verify_target(f"copy rename {point}")
            self.rerun_must_work("copy", copy_args(), repository=self.target)
            point += 1

    def rerun_must_work(self, label, args, repository=None):
        self.repo(["unlock"], repository=repository)
        result = self.repo(args)
        if result.returncode != 0:
            self.fail(f"{label}: the next run exited {result.returncode}: {result.stderr.strip()[-300:]}")

    def key_phase(self):
        """key add, passwd and remove killed at each rename/unlink and at random: afterwards
        one of the passwords in play must open the repository, and nothing else changes."""
        new_password = os.path.join(self.work, "new-password")

        def opens(password):
            return self.repo(["snapshots", "--json"], password=password).returncode == 0

        operations = [
            ("key add", lambda: ["key", "add", "--new-password-file", new_password], "added-password"),
            ("key passwd", lambda: ["key", "passwd", "--new-password-file", new_password], "changed-password"),
        ]
        for name, make_args, candidate in operations:
            point = 1
            while point <= self.max_points:
                with open(new_password, "w") as handle:
                    handle.write(candidate + "\n")
                fired, result = self.injected(make_args(), RENAME_UNLINK + ",write,pwrite64,fsync", "signal=SIGKILL", point)
                if result.returncode == 0 and name == "key passwd":
                    self.password = candidate  # it completed: the new password is the one
                if not fired:
                    break
                self.count(name, "SIGKILL at each rename/unlink/write/fsync", True)
                if not opens(self.password) and not opens(candidate):
                    self.lose(f"{name} killed at {point}: neither password opens the repository")
                elif not opens(self.password):
                    self.password = candidate
                self.verify(f"{name} kill {point}", None)
                point += 1
        # Remove every key but the one in use, killed at each step.
        keys = json.loads(self.must(["key", "list", "--json"]).stdout)
        for entry in keys:
            if entry.get("current"):
                continue
            key_id = entry["id"]
            point = 1
            while point <= self.max_points:
                fired, _ = self.injected(["key", "remove", key_id], RENAME_UNLINK, "signal=SIGKILL", point)
                if not fired:
                    break
                self.count("key remove", "SIGKILL at each rename/unlink", True)
                if not opens(self.password):
                    self.lose(f"key remove killed at {point}: the password in use no longer opens the repository")
                self.verify(f"key remove kill {point}", None)
                point += 1

    def repair_phase(self):
        for name, args in (("repair index", ["repair", "index"]), ("repair snapshots", ["repair", "snapshots"])):
            self.campaign_for(name, lambda: None, lambda args=args: args, kinds=("random", "rename"),
                              rerun=lambda args=args: self.repo(args))

    def has(self, *command):
        """Whether this binary knows `command` (older ones lack repair packs, key rotate)."""
        return self.repo([*command, "--help"]).returncode == 0

    def optional_phase(self):
        """Commands newer than the campaign's first version: run when the binary has them."""
        if self.has("repair", "packs"):
            self.campaign_for("repair packs", lambda: None, lambda: ["repair", "packs"], kinds=("random", "rename"),
                              rerun=lambda: self.repo(["repair", "packs"]))
        if self.has("key", "rotate"):
            self.campaign_for("key rotate", lambda: None, lambda: ["key", "rotate"], kinds=("random", "rename"))

            def rotate_and_add_data():
                self.must(["key", "rotate"])
                self.change_source()
                self.new_snapshot()

            # Every pack sealed again under the newest generation, killed anywhere.
            # Each run reseals the whole repository: the first 30 rename/unlink points only.
            self.campaign_for("prune --reseal", rotate_and_add_data, lambda: ["prune", "--reseal"], kinds=("random", "rename"),
                              rerun=lambda: self.repo(["prune", "--reseal"]), max_points=30)

    def full_disk_phase(self):
        """A real full file system: the tmpfs filled but for `room` bytes, a snapshot of new
        data, then the filler removed: check, restore, and the next snapshot must work."""
        filler = os.path.join(self.mount, "filler")
        for room in (16_000, 64_000, 128_000, 256_000, 512_000, 1_000_000):
            self.change_source()
            manifest = self.manifest(self.source)
            stats = os.statvfs(self.mount)
            free = stats.f_bavail * stats.f_frsize
            with open(filler, "wb") as handle:
                remaining = max(0, free - room)
                while remaining > 0:
                    chunk = min(remaining, 1 << 20)
                    handle.write(b"\0" * chunk)
                    remaining -= chunk
            result = self.repo(["snapshot", self.source])
            fired = result.returncode != 0
            if fired and "no space" not in (result.stderr.lower()):
                print(f"  note: full disk ({room} B free) ended with: {result.stderr.strip()[-200:]}", flush=True)
            self.count("snapshot", "full file system (tmpfs)", fired)
            os.unlink(filler)
            self.verify(f"full disk {room}", manifest, rerun=self.new_snapshot)

    def read_only_phase(self):
        """The repository's file system read-only: reading commands work, writing ones fail
        with a clear line, and nothing changes."""
        self.change_source()
        before = self.manifest(self.mount)
        self.remount("ro")
        try:
            for args in (["snapshots"], ["check", "--read-data"], ["ls", "latest"], ["stats"],
                         ["restore", "latest", "--target", os.path.join(self.work, "ro-restore")]):
                result = self.repo(args)
                self.count(" ".join(args[:1]), "read-only repository", True)
                if result.returncode != 0:
                    self.fail(f"read-only: repo {' '.join(args)} exited {result.returncode}: {result.stderr.strip()[-200:]}")
            password_file = os.path.join(self.work, "read-only-password")
            with open(password_file, "w") as handle:
                handle.write("read-only-password\n")
            for args in (["snapshot", self.source], ["forget", "--keep-last", "1", "--prune"],
                         ["key", "add", "--new-password-file", password_file]):
                result = self.repo(args)
                self.count(args[0], "read-only repository (writing)", True)
                if result.returncode == 0 or result.returncode > 128 or len(result.stderr.strip().splitlines()) != 1:
                    self.fail(f"read-only: repo {' '.join(args)} should fail with one line: {result.returncode} {result.stderr[-300:]}")
        finally:
            shutil.rmtree(os.path.join(self.work, "ro-restore"), ignore_errors=True)
            self.remount("rw")
        if self.manifest(self.mount) != before:
            self.lose("read-only: the repository changed")
        self.verify("read-only", None, rerun=self.new_snapshot)

    def run(self, phases):
        self.mount_store()
        try:
            self.make_source()
            self.must(["init", "--pack-size", "1"])
            self.must(["snapshot", self.source])
            self.expected = {snapshot: self.manifest(self.source) for snapshot in self.snapshot_ids()}
            started = time.monotonic()
            try:
                for phase in phases:
                    getattr(self, f"{phase}_phase")()
            except KeyboardInterrupt:
                print("stopped: the figures below cover the phases run so far", flush=True)
            print("final: every snapshot restored", flush=True)
            self.repo(["unlock"])
            check = self.repo(["check", "--read-data"])
            if check.returncode != 0:
                self.lose(f"final check exited {check.returncode}")
            self.restore_and_compare("final", everything=True)
            elapsed = time.monotonic() - started
        finally:
            subprocess.run(["umount", "-l", self.mount], check=False)
        print()
        print(f"{'command':<18} {'fault':<44} {'runs':>5} {'fired':>6}")
        for (command, kind), (runs, fired) in sorted(self.tally.items()):
            print(f"{command:<18} {kind:<44} {runs:>5} {fired:>6}")
        print(f"\nruns: {self.runs}, faults injected: {self.faults}, snapshots kept: {len(self.expected)} "
              f"(+{len(self.copied)} copies), data lost: {len(self.lost)}, other failures: {len(self.unrecovered)}, "
              f"{elapsed:.0f} s")
        return 1 if self.lost or self.unrecovered else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(os.path.dirname(__file__), "../../.build/release/repo"))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--random-kills", type=int, default=40, help="random-moment kills per command")
    parser.add_argument("--max-points", type=int, default=400, help="the last rename/write point tried")
    parser.add_argument("--restore-all", action="store_true", help="restore every snapshot after every fault")
    parser.add_argument("--phases", default="snapshot,forget_and_prune,copy,key,repair,optional,full_disk,read_only")
    arguments = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("the campaign mounts a tmpfs: run it as root")
    if shutil.which("strace") is None:
        raise SystemExit("strace is missing: apt-get install strace (scripts/setup.sh --faults)")
    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)  # SIGTERM, like Ctrl-C, ends with the figures so far
    work = tempfile.mkdtemp(prefix="repo-faults-")
    try:
        campaign = Campaign(os.path.abspath(arguments.binary), work, arguments.seed, arguments.random_kills,
                            arguments.max_points, arguments.restore_all)
        sys.exit(campaign.run(arguments.phases.split(",")))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
