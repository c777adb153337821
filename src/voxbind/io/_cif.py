"""mmCIF: the ``_atom_site`` loop, turned into PDB atom records for the PDB reader."""

from __future__ import annotations

import shlex

from ..errors import InvalidFileError

_NEEDED = ("group_PDB", "type_symbol", "Cartn_x", "Cartn_y", "Cartn_z")


def _tokens(line: str, path: str, lineno: int) -> list[str]:
    try:
        return shlex.split(line, posix=True)
    except ValueError as err:
        raise InvalidFileError(path, f"line {lineno}", f"unbalanced quotes ({err})") from None


def cif_to_pdb_lines(lines: list[str], path: str) -> list[str]:
    """PDB ``ATOM``/``HETATM`` lines (with ``MODEL``/``ENDMDL`` for several models) from an mmCIF file."""
    i = 0
    while i < len(lines):
        if lines[i].strip() == "loop_" and i + 1 < len(lines) and lines[i + 1].startswith("_atom_site."):
            break
        i += 1
    else:
        raise InvalidFileError(path, "", "no _atom_site loop")
    columns: list[str] = []
    i += 1
    while i < len(lines) and lines[i].startswith("_atom_site."):
        columns.append(lines[i].split()[0][len("_atom_site.") :])
        i += 1
    missing = [c for c in _NEEDED if c not in columns]
    if missing:
        raise InvalidFileError(path, f"line {i}", f"_atom_site lacks {', '.join(missing)}")
    col = {name: k for k, name in enumerate(columns)}

    def get(row: list[str], *names: str, default: str = "") -> str:
        for name in names:
            if name in col and row[col[name]] not in ("?", "."):
                return row[col[name]]
        return default

    out: list[str] = []
    model = None
    serial = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.strip() or line.startswith("#"):
            if out:
                break
            continue
        if line.startswith(("_", "loop_", "data_")):
            break
        row = _tokens(line, path, i)
        if len(row) != len(columns):
            raise InvalidFileError(
                path, f"line {i}", f"{len(row)} values for {len(columns)} _atom_site columns"
            )
        try:
            x, y, z = (float(get(row, f"Cartn_{a}")) for a in "xyz")
        except ValueError:
            raise InvalidFileError(path, f"line {i}", "bad coordinates") from None
        this_model = get(row, "pdbx_PDB_model_num", default="1")
        if this_model != model:
            if model is not None:
                out.append("ENDMDL")
            out.append(f"MODEL     {this_model:>4}")
            model = this_model
        serial += 1
        record = "HETATM" if get(row, "group_PDB") == "HETATM" else "ATOM"
        name = get(row, "auth_atom_id", "label_atom_id")[:4]
        element = get(row, "type_symbol")[:2]
        name = f" {name:<3}" if len(name) < 4 and len(element) == 1 else f"{name:<4}"
        altloc = get(row, "label_alt_id", default=" ")[:1]
        resname = get(row, "auth_comp_id", "label_comp_id")[:3]
        chain = get(row, "auth_asym_id", "label_asym_id", default="A")[:1]
        try:
            resnum = int(get(row, "auth_seq_id", "label_seq_id", default="0"))
        except ValueError:
            resnum = 0
        charge = get(row, "pdbx_formal_charge", default="0")
        charge = (
            "" if charge in ("0", "") else f"{charge.lstrip('+-')}{'-' if charge.startswith('-') else '+'}"
        )
        out.append(
            f"{record:<6}{serial % 100000:>5} {name}{altloc}{resname:>3} {chain}{resnum % 10000:>4}    "
            f"{x:8.3f}{y:8.3f}{z:8.3f}  1.00  0.00          {element:>2}{charge:>2}"
        )
    if model is not None:
        out.append("ENDMDL")
    if not out:
        raise InvalidFileError(path, "", "the _atom_site loop has no rows")
    return out
