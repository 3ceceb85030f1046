"""Run every benchmark module in turn (``make bench``)."""
import importlib
import pkgutil
import sys
from pathlib import Path


def main() -> int:
    here = Path(__file__).resolve().parent
    failed = 0
    for module in sorted(m.name for m in pkgutil.iter_modules([str(here)])
                         if m.name.startswith("bench_")):
        print(f"\n=== bench.{module}", flush=True)
        result = importlib.import_module(f"bench.{module}").main()
        failed += bool(result)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
