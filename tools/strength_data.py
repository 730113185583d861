"""Regenerate the French strength data vendored under ``domain/strength_data/``.

Where each file comes from (the npm registry's tarballs, checked against the registry's
own sha512 integrity before anything is read)::

    @zxcvbn-ts/language-fr 4.1.2      (MIT; commonWords from OpenSubtitles 2024, ODC-BY)
      src/commonWords.json    -> fr/common_words.txt
      src/wikipedia.json      -> fr/wikipedia.txt
      src/lastnames.json      -> fr/first_names.txt   (sic: the package's two name
      src/firstnames.json     -> fr/surnames.txt       files are swapped, see below)
      src/wordSequences.json  -> fr/word_sequences.json
      LICENSE.txt             -> LICENSE-zxcvbn-ts.txt
      NOTICE.md               -> NOTICE-language-fr.md
    @zxcvbn-ts/language-common 4.1.3  (MIT)
      src/adjacencyGraphs.json["azerty"] -> common/azerty.json  (one key repaired, see
                                                                 ``repair_azerty``)

The package's ``firstnames.json`` holds surnames (abadie, abassi, …) and its
``lastnames.json`` first names (abdallah, abel, adam, …); this script checks that before
swapping them, so a release that fixes the swap is noticed rather than swapped back.

Usage: ``uv run python tools/strength_data.py`` (writes the files and ``SOURCES.json``);
``--check`` downloads again and fails if a vendored file differs.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import sys
import tarfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "domain" / "strength_data"
REGISTRY = "https://registry.npmjs.org"
PACKAGES = {
    "@zxcvbn-ts/language-fr": "4.1.2",
    "@zxcvbn-ts/language-common": "4.1.3",
}
WORD_LISTS = {
    # vendored file: (package, file in the package)
    "fr/common_words.txt": ("@zxcvbn-ts/language-fr", "package/src/commonWords.json"),
    "fr/wikipedia.txt": ("@zxcvbn-ts/language-fr", "package/src/wikipedia.json"),
    "fr/first_names.txt": ("@zxcvbn-ts/language-fr", "package/src/lastnames.json"),
    "fr/surnames.txt": ("@zxcvbn-ts/language-fr", "package/src/firstnames.json"),
}
# A few entries that prove which file is which: first names in the first set, surnames in
# the second. If the package ever fixes its swap, this check fails loudly.
FIRST_NAMES_PROBE = {"abel", "adam", "adrien", "alain"}
SURNAMES_PROBE = {"abadie", "abgrall", "abitbol"}
TIMEOUT = 60


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
        return bytes(response.read())


def tarball(name: str, version: str) -> tuple[tarfile.TarFile, dict[str, str]]:
    meta = json.loads(fetch(f"{REGISTRY}/{name}/{version}"))
    dist = meta["dist"]
    data = fetch(dist["tarball"])
    algorithm, _, expected = dist["integrity"].partition("-")
    if algorithm != "sha512" or base64.b64encode(hashlib.sha512(data).digest()).decode() != expected:
        raise SystemExit(f"{name}@{version}: the tarball does not match the registry's integrity")
    source = {"package": name, "version": version, "tarball": dist["tarball"], "integrity": dist["integrity"]}
    return tarfile.open(fileobj=io.BytesIO(data), mode="r:gz"), source


def member(archive: tarfile.TarFile, path: str) -> bytes:
    handle = archive.extractfile(path)
    if handle is None:
        raise SystemExit(f"{path}: not a file in the package")
    return handle.read()


def repair_azerty(graph: dict[str, list[str | None]]) -> dict[str, list[str | None]]:
    """Upstream writes the dead key ^¨ as ``^"``, so the ``"`` of the 3 key gets the
    neighbours of the ^ key (and « p" » looks adjacent). Here the ^ key's shifted sign is
    ¨ again and ``"`` shares the 3 key's neighbours, as every key's two signs do; then
    every key is checked that way."""
    fixed = {char: [("^¨" if token == '^"' else token) for token in near] for char, near in graph.items()}
    if graph.get("^") is not None:
        fixed["¨"] = fixed["^"]
    fixed['"'] = fixed["3"]
    for near in fixed.values():
        for token in filter(None, near):
            if fixed.get(token[0]) != fixed.get(token[1]):
                raise SystemExit(f"azerty: the two signs of key {token!r} have different neighbours")
    return dict(sorted(fixed.items()))


def build() -> dict[str, bytes]:
    archives = {}
    sources = []
    for name, version in PACKAGES.items():
        archives[name], source = tarball(name, version)
        sources.append(source)
    fr = archives["@zxcvbn-ts/language-fr"]
    out: dict[str, bytes] = {}
    files: dict[str, str] = {}
    for target, (package, path) in WORD_LISTS.items():
        words = json.loads(member(archives[package], path))
        if not isinstance(words, list) or not all(isinstance(w, str) and "\n" not in w for w in words):
            raise SystemExit(f"{package} {path}: a list of one-line words expected")
        if target.endswith("first_names.txt") and not set(words) >= FIRST_NAMES_PROBE:
            raise SystemExit(f"{path}: no longer holds first names; check the swap")
        if target.endswith("surnames.txt") and not set(words) >= SURNAMES_PROBE:
            raise SystemExit(f"{path}: no longer holds surnames; check the swap")
        out[target] = ("\n".join(words) + "\n").encode()
        files[target] = f"{package} {path}"
    sequences = json.loads(member(fr, "package/src/wordSequences.json"))
    out["fr/word_sequences.json"] = (json.dumps(sequences, ensure_ascii=False, indent=1) + "\n").encode()
    files["fr/word_sequences.json"] = "@zxcvbn-ts/language-fr package/src/wordSequences.json"
    graphs = json.loads(member(archives["@zxcvbn-ts/language-common"], "package/src/adjacencyGraphs.json"))
    azerty = repair_azerty(graphs["azerty"])
    out["common/azerty.json"] = (json.dumps(azerty, ensure_ascii=False, indent=1) + "\n").encode()
    files["common/azerty.json"] = (
        '@zxcvbn-ts/language-common package/src/adjacencyGraphs.json ["azerty"], the ^¨ key repaired'
    )
    out["LICENSE-zxcvbn-ts.txt"] = member(fr, "package/LICENSE.txt")
    out["NOTICE-language-fr.md"] = member(fr, "package/NOTICE.md")
    files["LICENSE-zxcvbn-ts.txt"] = "@zxcvbn-ts/language-fr package/LICENSE.txt (the same MIT text in both)"
    files["NOTICE-language-fr.md"] = "@zxcvbn-ts/language-fr package/NOTICE.md"
    manifest = {
        "generated_by": "tools/strength_data.py",
        "packages": sources,
        "files": files,
        "licences": {
            "zxcvbn-ts packages": "MIT (LICENSE-zxcvbn-ts.txt)",
            "fr/common_words.txt": "derived from OpenSubtitles 2024 via OPUS, ODC-BY (NOTICE-language-fr.md)",
        },
        "swapped": "the package's firstnames.json holds surnames and lastnames.json first names",
    }
    out["SOURCES.json"] = (json.dumps(manifest, indent=1) + "\n").encode()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if a vendored file differs")
    args = parser.parse_args(argv)
    files = build()
    stale = []
    for name, data in files.items():
        path = ROOT / name
        if args.check:
            if not path.exists() or path.read_bytes() != data:
                stale.append(name)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        print(f"{name}: {len(data):,} bytes")
    if stale:
        print("differ from the packages:", ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
