"""Every speed target of the DES in one run, each against its baseline measured in it.

    python benchmarks/speed.py [--quick] [--prosimos-python .venv-peers/bin/python]

1. The tandem of three M/M/c desks with rework at the first (``tandem_ciw``): onething's
   cases per CPU second against Ciw's, and each engine's mean sojourn against the exact
   Jackson value (target: at least 2x Ciw, within 1 % of exact).  500,000 cases: one
   seed's mean sojourn then lies within about 0.5 % of the truth (at 100,000, seeds 2-4
   of onething gave -0.7 %, -0.9 % and +1.2 %), so the 1 % tests the engine, not the seed.
2. The heavy newborn bundle against the same network hand-written in bare SimPy
   (``des_speed``; target: at least 0.8 of bare SimPy), and onething's peak resident
   memory at 1 million cases in a fresh process (target: under 300 MB).
3. Every catalog bundle's before- and after-process exported as BPMN with Prosimos
   parameters, simulated by Prosimos and by onething, as many cases each (onething from
   ``EARLY_START``; target: at least 10x Prosimos's cases per CPU second).  Prosimos is
   timed around ``run_simulation`` (which reads its BPMN and JSON), onething around
   ``run_replications`` of the loaded process (the scenario's YAML read before:
   PyYAML's pure-Python parser would otherwise weigh more than a thousand cases), three
   times over (``REPEATS``).

Ciw comes with the ``peers`` extra (``pip install -e ".[peers]"``, Ciw 3.2.7).  Prosimos
cannot share onething's environment (its click pin clashes with faust-streaming's), so it
runs from an interpreter of its own, made once with

    python3.11 -m venv .venv-peers && .venv-peers/bin/pip install prosimos

and found there by default (``--prosimos-python`` names another).  Speeds are cases per
CPU second of the process that simulates (``time.process_time`` around the simulation
alone), so other work on a shared machine does not tilt the ratios.  ``--quick`` runs
small sizes, to see that everything works (its ratios are noisier).
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import des_speed, prosimos_peer, tandem_ciw  # noqa: E402
from onething.scenarios.levers import Process  # noqa: E402
from onething.scenarios.loader import catalog_names, load_scenario  # noqa: E402
from onething.scenarios.model import Scenario  # noqa: E402
from onething.sim.engine import run_replications  # noqa: E402

SIZES = {
    False: {"tandem": 500_000, "des": 200_000, "memory": 1_000_000, "bundle": 1000},
    True: {"tandem": 20_000, "des": 20_000, "memory": 100_000, "bundle": 100},
}


def tandem(cases: int) -> None:
    import ciw

    exact = tandem_ciw.jackson_sojourn()
    print(f"1. tandem, about {cases:,} cases; exact Jackson mean sojourn {exact:.4f} min")
    rates = {}
    for label, engine in ((f"Ciw {ciw.__version__}", "ciw"), ("onething DES", "onething")):
        r = tandem_ciw.in_fresh_process(engine, cases, 2, 1)
        rates[engine] = r["cases"] / r["seconds"]
        error = (r["sojourn"] - exact) / exact
        print(
            f"   {label:12}: {rates[engine]:8,.0f} cases/CPU-s ({r['cases']:,} in "
            f"{r['seconds']:.1f} s); mean sojourn {r['sojourn']:.4f} min ({error:+.2%})"
        )
    ratio = rates["onething"] / rates["ciw"]
    print(f"   onething / Ciw: {ratio:.2f} (target >= 2, sojourn within 1 %)")


def bare_simpy(cases: int, memory_cases: int) -> None:
    print(f"2. heavy newborn, {des_speed.PER_DAY} births a working day, {cases:,} cases")
    des_speed.compare_with_bare(cases, indent="   ")
    megabytes = des_speed.peak_memory_mb(memory_cases)
    print(f"   peak memory at {memory_cases:,} cases: {megabytes:.0f} MB (target < 300 MB)")


REPEATS = 3
"""onething's runs of each bundle, as many cases each as Prosimos ran once: one takes
about 0.1 CPU-s, short enough for a busy machine to halve its speed (school_enrolment
after measured 8,752 cases/CPU-s in one run and 14,698 at best in nine, minutes apart);
three give the speed over three times the cases."""

EARLY_START = dt.date(2010, 1, 4)
"""A Monday years before the official calendar's end, so that every bundle runs as many
cases as Prosimos did (a slow one from its own start date would run out of calendar)."""


def early(scenario: Scenario) -> Scenario:
    """The scenario starting on ``EARLY_START``: only dates change, not the work."""
    run = scenario.run.model_copy(update={"start_date": EARLY_START})
    return scenario.model_copy(update={"run": run})


def bundles(cases: int, python: str) -> None:
    print(f"3. catalog bundles against Prosimos on the exported model, {cases:,} cases each")
    print(f"   {'bundle':22} {'mode':6} {'Prosimos':>14} {'onething':>14} {'ratio':>7}")
    ratios = []
    with tempfile.TemporaryDirectory() as tmp:
        for bundle in catalog_names():
            start = load_scenario(bundle).run.start_date.isoformat()
            for mode in ("before", "after"):
                model, sim, _ = prosimos_peer.export(bundle, mode, Path(tmp))
                peer = prosimos_peer.run_prosimos(python, model, sim, cases, start)
                process = Process.of(early(load_scenario(bundle)), mode)
                arrived, seconds = 0, 0.0
                for _ in range(REPEATS):
                    started = time.process_time()
                    (result,) = run_replications(process, 1, 5, None, 0, jobs=1, count=peer.cases)
                    seconds += time.process_time() - started
                    arrived += result.arrived
                ours = arrived / seconds
                theirs = peer.cases / peer.cpu_seconds
                ratios.append(ours / theirs)
                print(
                    f"   {bundle:22} {mode:6} {theirs:8,.0f} c/CPU-s {ours:8,.0f} c/CPU-s "
                    f"{ours / theirs:6.1f}x"
                )
    print(f"   onething / Prosimos: lowest {min(ratios):.1f}x (target >= 10x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    default_python = ROOT / ".venv-peers" / "bin" / "python"
    parser.add_argument(
        "--prosimos-python",
        default=str(default_python) if default_python.exists() else sys.executable,
        help="an interpreter where prosimos is installed (default: .venv-peers)",
    )
    args = parser.parse_args()
    try:
        import ciw  # noqa: F401
    except ImportError:
        parser.error('Ciw is not installed here: pip install -e ".[peers]"')
    found = subprocess.run([args.prosimos_python, "-c", "import prosimos"], capture_output=True)
    if found.returncode:
        parser.error(
            f"{args.prosimos_python} cannot import prosimos: python3.11 -m venv .venv-peers "
            "&& .venv-peers/bin/pip install prosimos"
        )
    sizes = SIZES[args.quick]
    sys.stdout.reconfigure(line_buffering=True)  # a long run shows each line as it comes
    tandem(sizes["tandem"])
    bare_simpy(sizes["des"], sizes["memory"])
    bundles(sizes["bundle"], args.prosimos_python)


if __name__ == "__main__":
    main()
