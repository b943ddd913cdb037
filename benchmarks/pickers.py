"""The cell picker against the select it replaces, at a merged province's size.

    .venv/bin/python benchmarks/pickers.py [--database-url URL] [--communes 1000]
                                           [--cells-per-commune 25] [--rounds 15]

Builds an organisation tree only (a province, ``--communes`` grassroots committees, each with
``--cells-per-commune`` cells: 25,000 cells by default, their names repeating across communes
as real ones do — "Chi bộ thôn 3"), written with ``bulk_create`` and treebeard's paths, and a
committee user of the province. Then, interleaved round by round (the machine is shared):

- the select of every cell that the new-source form used to render (``cells_for``): its HTML
  bytes and the time to build it (wall and CPU time of the process: steadier on a shared
  machine; the database is SQLite in the process unless ``--database-url``);
- the picker's answer (``/chon/to-chuc/``, the view called directly) for a few texts: a word
  every cell holds ("chi bo", the worst case), a commune and a village, a village alone, and an
  empty box: the time, the bytes, the rows shown and matched.

A second computation checks each count: every cell's folded path text matched word by word with
plain string operations; the script exits 1 if a count differs.
"""

from __future__ import annotations

import statistics
import sys
import time

import common

COMMUNE_NAMES = ["Hòa An", "Bình Minh", "Phú Lộc", "Tân Lập", "Đông Sơn", "Quảng Phú", "Yên Thế",
                 "Thạch Bàn", "Mường Lay", "Ea Tu"]  # fmt: skip
TEXTS = ["chi bo", "hoa an 12 thon 3", "thon 17", ""]


def build_tree(communes: int, cells_per_commune: int):
    from ptdv.org.models import Organisation, OrgKind

    step = Organisation.steplen
    alphabet = Organisation.alphabet

    def code(i: int) -> str:
        out = ""
        for _ in range(step):
            i, r = divmod(i, len(alphabet))
            out = alphabet[r] + out
        return out

    root = Organisation.objects.add_root(dict(name="Đảng bộ tỉnh Hợp Nhất", kind=OrgKind.PROVINCE))
    rows = []
    for c in range(communes):
        path = root.path + code(c + 1)
        name = f"Đảng bộ xã {COMMUNE_NAMES[c % len(COMMUNE_NAMES)]} {c // len(COMMUNE_NAMES) + 1}"
        rows.append(
            Organisation(
                path=path,
                depth=2,
                numchild=cells_per_commune,
                name=name,
                kind=OrgKind.GRASSROOTS_COMMITTEE,
            )
        )
        for v in range(cells_per_commune):
            rows.append(
                Organisation(
                    path=path + code(v + 1),
                    depth=3,
                    numchild=0,
                    name=f"Chi bộ thôn {v + 1}",
                    kind=OrgKind.CELL,
                )
            )
    Organisation.objects.bulk_create(rows, batch_size=2000)
    Organisation.objects.filter(pk=root.pk).update(numchild=communes)
    return Organisation.objects.get(pk=root.pk)


def second_count(user, text: str) -> int:
    """The cells matching ``text``, computed differently: the folded path as one string."""
    from ptdv.org.models import Organisation
    from ptdv.people.text import fold

    words = fold(text).split()
    names = dict(Organisation.objects.values_list("path", "name"))
    count = 0
    for path in Organisation.objects.filter(kind="cell").values_list("path", flat=True):
        parts = [fold(names[path[:i]]) for i in range(4, len(path) + 1, 4)]
        tokens = " ".join(parts).split()
        if all(any(t.startswith(w) for t in tokens) for w in words):
            count += 1
    return count


def main() -> None:
    p = common.parser(__doc__.split("\n\n")[0])
    p.add_argument("--communes", type=int, default=1000)
    p.add_argument("--cells-per-commune", type=int, default=25)
    p.add_argument("--rounds", type=int, default=15)
    args = p.parse_args()
    run = common.setup(args)

    from django import forms
    from django.test import RequestFactory

    from ptdv.accounts.models import Role, User
    from ptdv.web.person_forms import cells_for
    from ptdv.web.pickers import CELLS, search_organisations
    from ptdv.web.views.pickers import organisations

    t0 = time.perf_counter()
    root = build_tree(args.communes, args.cells_per_commune)
    print(f"tree built in {time.perf_counter() - t0:.1f} s")
    user = User.objects.create(username="tinh", organisation=root, role=Role.COMMITTEE)
    user = User.objects.select_related("organisation").get(pk=user.pk)
    cells = cells_for(user).count()
    print(f"{cells:,} cells under {user.organisation.name}")
    run.record("cells", cells)

    factory = RequestFactory()

    def old_select() -> int:
        field = forms.ModelChoiceField(queryset=cells_for(user))
        form = forms.Form()
        form.fields["cell"] = field
        return len(str(form["cell"]).encode())

    def picker(text: str) -> tuple[int, int]:
        request = factory.post("/chon/to-chuc/", {"q": text, "field": "cell", "loai": CELLS})
        request.user = user
        response = organisations(request)
        assert response.status_code == 200, response.status_code
        return len(response.content), response.content.count(b'role="option"')

    samples: dict[str, list[float]] = {"select": [], **{t: [] for t in TEXTS}}
    cpu: dict[str, list[float]] = {key: [] for key in samples}
    sizes: dict[str, int] = {}
    for _ in range(args.rounds):
        for key in samples:
            t, c = time.perf_counter(), time.process_time()
            if key == "select":
                sizes[key] = old_select()
            else:
                sizes[key], _shown = picker(key)
            samples[key].append(time.perf_counter() - t)
            cpu[key].append(time.process_time() - c)

    failed = False
    rows = []
    for key, values in samples.items():
        median = statistics.median(values) * 1000
        median_cpu = statistics.median(cpu[key]) * 1000
        if key == "select":
            label, shown, total = "select of every cell (before)", cells, cells
        else:
            found = search_organisations(user, CELLS, key)
            label, shown, total = f"picker, “{key}”", len(found.rows), found.total
            if key:
                expected = second_count(user, key)
                if expected != total:
                    print(f"DISAGREE: “{key}” matched {total}, the second count {expected}")
                    failed = True
        rows.append(
            (label, f"{median:.1f}", f"{median_cpu:.1f}", f"{sizes[key] / 1024:.1f}", shown, total)
        )
        run.record(key or "(empty)", {"median_ms": round(median, 1), "median_cpu_ms":
                                       round(median_cpu, 1), "bytes": sizes[key], "shown": shown,
                                       "matched": total})  # fmt: skip
    common.table(rows, ("what", "median ms", "CPU ms", "KiB", "rows shown", "matched"))
    run.finish()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
