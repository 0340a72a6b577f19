"""Every node of every built-in framework says where it comes from (issue 17).

The convention (methodology/README.md): every node has a ``source``; a source that contains
``kit's own`` marks this kit's inference or proposal, any other source names the published document
(regulation, standard, guide book, official statistics) the node is taken from.
"""

import re

import pytest

from analysis import builtin_frameworks, load_framework
from analysis._yaml import read_yaml
from analysis.framework import FRAMEWORK_DIR

KIT = "kit's own"
NAMES = sorted(builtin_frameworks())
SPECS = FRAMEWORK_DIR.parent / "specs"


@pytest.mark.parametrize("name", NAMES)
def test_every_node_has_a_source_or_the_kits_own_marker(name):
    fw = load_framework(name)
    missing = [c for c, n in fw.nodes.items() if not (n.source and n.source.strip())]
    assert not missing, f"{name}: nodes without a source: {missing}"


@pytest.mark.parametrize("name", NAMES)
def test_every_framework_states_the_units_it_applies_to(name):
    doc = read_yaml(builtin_frameworks()[name], "framework file")
    assert "applies_to" in doc, f"{name} has no top-level applies_to"


def test_the_marker_is_not_used_loosely():
    """"kit's own" is written exactly so (one spelling to search for), never "kits own" or "kit own"."""
    for name, path in builtin_frameworks().items():
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"kits own|kit own|kit’s own", text, re.IGNORECASE), name


def test_kominfo_indicators_are_marked_as_the_kits_own():
    """The 54 indicators are the kit's proposal: no source may read as if Kominfo defined them."""
    fw = load_framework("kominfo_gm100sc")
    assert len(fw.indicators) == 54
    for c in fw.indicators:
        src = fw.nodes[c].source
        assert src.startswith(KIT), (c, src)
        assert not src.lower().startswith(("kominfo", "komdigi", "kementerian")), (c, src)
        assert "not defined by Kominfo" in src, (c, src)
    # the dimensions and elements are Kominfo's; the weights the kit's
    for c in fw.aggregates:
        if c != fw.root:
            assert fw.nodes[c].source.startswith("Kominfo masterplan guide"), c
            assert KIT in fw.nodes[c].source, c
    caveats = fw.meta["caveats"]
    assert "Komdigi" in caveats and "mobilitas" in caveats and "no branding" in caveats


def test_spbe_names_and_sources_are_the_regulations():
    fw = load_framework("spbe_2020")
    for i, c in enumerate(fw.indicators, start=1):
        n = fw.nodes[c]
        assert not re.fullmatch(r"Indikator \d+", n.nama), c
        assert n.source.startswith(f"PermenPANRB 59/2020 annex, indicator {i} "), (c, n.source)
        assert f"weight {n.weight:g} %" in n.source, c
    notes = fw.meta["notes"]
    for level in ("1 Rintisan", "2 Terkelola", "3 Terdefinisi", "4 Terpadu dan Terukur", "5 Optimum"):
        assert level in notes
    for band in ("Kurang < 1.8", "Cukup 1.8 to < 2.6", "Baik 2.6 to < 3.5", "Sangat Baik 3.5 to < 4.2",
                 "Memuaskan >= 4.2"):
        assert band in notes


def test_kemendagri_maturity_names_only_in_the_kemendagri_assessment():
    """M1-M5 Pratama ... Paripurna belong to the Kemendagri assessment: no other built-in framework or
    spec uses them as level labels."""
    names = re.compile(r"Pratama|Paripurna|Madya|Perunggu|Berlian")
    for path in sorted(SPECS.glob("*.yaml")):
        doc = read_yaml(path, "spec")
        labels = " ".join(map(str, (doc.get("levels") or {}).get("labels", []) +
                                   (doc.get("levels") or {}).get("labels_id", [])))
        if path.name == "kemendagri_spp.yaml":
            assert names.search(labels)
        else:
            assert not names.search(labels), path.name
    for name, path in builtin_frameworks().items():
        if name != "kemendagri_spp_iso37122":
            assert not names.search(path.read_text(encoding="utf-8")), name


@pytest.mark.parametrize("name", NAMES)
def test_every_page_lists_every_nodes_source(name):
    """methodology/<name>.md lists each node (indicators, aggregates and the index) with its source."""
    fw = load_framework(name)
    page = (FRAMEWORK_DIR.parent / f"{name}.md").read_text(encoding="utf-8")
    rows = {line.split(" | ")[0].lstrip("| ").strip(): line for line in page.splitlines() if line.startswith("| ")}
    for code, node in fw.nodes.items():
        assert code in rows, f"{name}.md has no row for {code}"
        assert node.source in rows[code], f"{name}.md: the row of {code} lacks its source"
    assert "kit's own" in page and "Applies to / Berlaku untuk" in page
