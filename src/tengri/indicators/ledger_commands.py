"""`tengri ledger ...`: the trade ledger from the command line. List the reported entries, the derived
figures and the mirror table; import a CSV (all or nothing); check a claim; seed the facts page's figures.

`tengri ledger claim` exits 0 when the ledger supports every part of the claim, 1 when it does not (a
part contradicted, unconfirmed or not in the ledger), 2 when the claim cannot be read."""

import argparse
from pathlib import Path

from tengri.core.commandline import EXIT_FAILED, EXIT_OK, print_json
from tengri.core.errors import InvalidInput


def register(commands: argparse._SubParsersAction) -> None:
    ledger = commands.add_parser("ledger", help="trade ledger: reported figures, derived figures, claim check")
    sub = ledger.add_subparsers(title="ledger commands")
    listing = sub.add_parser("list", help="the reported entries")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=_list)
    derived = sub.add_parser("derived", help="the figures derived from the entries, with their ranges")
    derived.add_argument("--json", action="store_true")
    derived.set_defaults(handler=_derived)
    mirror = sub.add_parser("mirror", help="KZ and KG figures of the same flow and period, with the gap")
    mirror.add_argument("--json", action="store_true")
    mirror.set_defaults(handler=_mirror)
    load = sub.add_parser("import", help="import reported figures from a CSV file (docs/trade-ledger.md)")
    load.add_argument("file", type=Path)
    load.set_defaults(handler=_import)
    export = sub.add_parser("export", help="write the entries as CSV in the import format (to stdout)")
    export.set_defaults(handler=_export)
    claim = sub.add_parser("claim", help='check a claim, e.g. "Jan–Aug 2025 turnover USD 1.4 bn, +21 %%"')
    claim.add_argument("text")
    claim.add_argument("--json", action="store_true")
    claim.set_defaults(handler=_claim)
    seed = sub.add_parser("seed", help="record the figures of the council facts page (idempotent)")
    seed.set_defaults(handler=_seed)


def _list(args) -> int:
    from tengri.indicators.ledger import ledger_entries
    from tengri.indicators.ledger_json import entry_data

    entries = ledger_entries()
    if args.json:
        print_json([entry_data(entry) for entry in entries])
        return EXIT_OK
    for entry in entries:
        growth = f", {entry.display_growth}" if entry.growth_pct is not None else ""
        print(
            f"#{entry.pk:<4} {entry.period_label:<14} {entry.indicator:<13} {entry.flow:<6} {entry.side:<5} "
            f"{entry.display_value}{growth}  [reported by {entry.get_reported_by_display()}: {entry.source}]"
        )
    return EXIT_OK


def _derived(args) -> int:
    from tengri.indicators.ledger import derived_figures
    from tengri.indicators.ledger_json import derived_data

    figures = derived_figures()
    if args.json:
        print_json([derived_data(figure) for figure in figures])
        return EXIT_OK
    for figure in figures:
        print(
            f"DERIVED {figure.period_label:<14} {figure.indicator:<13} {figure.side:<5} {figure.display_value} "
            f"(range {figure.display_range}) = {figure.formula}"
        )
    return EXIT_OK


def _mirror(args) -> int:
    from tengri.indicators.ledger import mirror_pairs
    from tengri.indicators.ledger_json import mirror_data

    pairs = mirror_pairs()
    if args.json:
        print_json([mirror_data(pair) for pair in pairs])
        return EXIT_OK
    for pair in pairs:
        print(
            f"{pair.period_label:<14} {pair.indicator:<13} {pair.flow:<6} KZ #{pair.kz.pk} {pair.kz.display_value} | "
            f"KG #{pair.kg.pk} {pair.kg.display_value} | gap {pair.display_gap} "
            f"({pair.gap_pct:.1f} % of the mean; {pair.display_gap_range} given the rounding)"
        )
    return EXIT_OK


def _import(args) -> int:
    from tengri.indicators.ledger_csv import ledger_csv_import

    try:
        content = args.file.read_bytes()
    except OSError as error:
        raise InvalidInput(f"cannot read {args.file}: {error.strerror}") from None
    result = ledger_csv_import(content, actor=None)
    print(
        f"{result.rows} rows: {len(result.created)} created, {len(result.updated)} corrected, "
        f"{len(result.unchanged)} unchanged"
    )
    return EXIT_OK


def _export(args) -> int:
    from tengri.indicators.ledger import ledger_entries
    from tengri.indicators.ledger_csv import ledger_csv

    print(ledger_csv(ledger_entries()), end="")
    return EXIT_OK


def _claim(args) -> int:
    from tengri.indicators.claims import claim_check
    from tengri.indicators.ledger_json import verdict_data

    verdict = claim_check(args.text)
    if args.json:
        print_json(verdict_data(verdict))
    else:
        print(f"{verdict.status.replace('_', ' ').upper()}: {verdict.explanation}")
        for part in verdict.parts:
            print(f"- {part.kind} {part.status.replace('_', ' ')}: {part.explanation}")
        if verdict.ignored:
            print(f"(words read past: {' '.join(verdict.ignored)})")
    return EXIT_OK if verdict.supported else EXIT_FAILED


def _seed(args) -> int:
    from tengri.indicators.seed import ledger_seed

    print(f"{ledger_seed()} entries recorded or corrected")
    return EXIT_OK
