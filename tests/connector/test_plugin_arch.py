"""The plugin's generated view XML per version (pure; the odoosim tests apply it for real)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from connector import erp_plugin


@pytest.mark.parametrize("version", [16, 17, 18, 19])
@pytest.mark.parametrize("model", erp_plugin.MODELS)
def test_arch_is_well_formed_and_version_aware(model: str, version: int) -> None:
    form = erp_plugin.form_arch(model, version)
    tree = erp_plugin.tree_arch(version)
    for arch in (form, tree, erp_plugin.search_arch()):
        ET.fromstring(arch)  # well-formed
    if version <= 16:
        assert "attrs=" in form and "invisible=" not in form.replace("'invisible'", "")
    else:
        assert "attrs=" not in form and 'invisible="not x_svc_flag"' in form
    tag = "tree" if version <= 17 else "list"
    assert f'expr="//{tag}"' in tree
    assert erp_plugin.view_xpaths(model, version)["tree"] == f"//{tag}"


def test_search_view_has_the_service_risk_filter() -> None:
    root = ET.fromstring(erp_plugin.search_arch())
    flt = root.find(".//filter[@name='svc_risk']")
    assert flt is not None and flt.get("string") == "Service risk"
    assert "amber" in (flt.get("domain") or "") and "red" in (flt.get("domain") or "")
