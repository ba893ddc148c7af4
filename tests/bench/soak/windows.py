"""Checks every window file the daemon writes during the soak.

Each new profbufd-*.json must parse as JSON and each profbufd-*.pb.gz must be
read by `go tool pprof -raw`. A file that --keep removed before its turn is
counted as gone, not as invalid.
"""
import json
import os

from probes import Every, check_pprof


def check_file(path: str) -> str:
    """"" when valid, else why not."""
    if path.endswith(".json"):
        with open(path) as f:
            doc = json.load(f)
        return "" if doc else "empty JSON"
    return check_pprof(path)


class WindowChecker(Every):
    def __init__(self, directory: str):
        super().__init__(5.0)
        self.dir = directory
        self.seen, self.valid, self.gone, self.invalid = set(), 0, 0, []

    def tick(self) -> None:
        for name in sorted(os.listdir(self.dir)):
            if name in self.seen or not name.startswith("profbufd-") or \
                    not name.endswith((".json", ".pb.gz")):
                continue
            self.seen.add(name)
            try:
                why = check_file(os.path.join(self.dir, name))
            except FileNotFoundError:
                self.gone += 1
                continue
            except (OSError, ValueError) as e:
                why = str(e)
            if why and not os.path.exists(os.path.join(self.dir, name)):
                self.gone += 1  # --keep removed it while go tool pprof read it
            elif why:
                self.invalid.append(f"{name}: {why}")
            else:
                self.valid += 1
