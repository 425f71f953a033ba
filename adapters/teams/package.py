"""`steward teams package`: the zip a Teams admin uploads (manifest v1.17 and the two icons)."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

HERE = Path(__file__).parent / "manifest"
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9-]{1,63}\.)+[a-z]{2,63}$", re.I)


class PackageError(ValueError):
    pass


def manifest(app_id: str, domain: str, *, company: str = "Steward", version: str = "1.0.0") -> dict[str, object]:
    if not _GUID.match(app_id):
        raise PackageError(f"TEAMS_APP_ID must be the app registration's id (a GUID), not {app_id!r}")
    if not _DOMAIN.match(domain):
        raise PackageError(f"the domain must be a host name such as steward.example.com, not {domain!r}")
    if not re.match(r"^\d+\.\d+\.\d+$", version):
        raise PackageError(f"the version must look like 1.0.0, not {version!r}")
    text = (HERE / "manifest.json").read_text(encoding="utf-8")
    for key, value in {"TEAMS_APP_ID": app_id, "DOMAIN": domain.lower(), "COMPANY": company,
                       "VERSION": version}.items():
        text = text.replace("{{" + key + "}}", json.dumps(value)[1:-1])
    data: dict[str, object] = json.loads(text)
    return data


def build(out: Path, app_id: str, domain: str, **kwargs: str) -> Path:
    data = manifest(app_id, domain, **kwargs)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", json.dumps(data, indent=2))
        for icon in ("color.png", "outline.png"):
            zf.write(HERE / icon, icon)
    return out
