"""Docking as GNINA does it, on any machine: AutoDock Vina's Monte Carlo sampling, then GNINA's CNN.

Vina (the ``vina`` package) samples poses in a box with its empirical score; ligands are prepared with
``meeko`` (protonation states as given, hydrogens added, torsion tree) and receptors written by
:mod:`~voxbind.jobs.vina_receptor` from GNINA's typing. The CNN then rescores every pose (GNINA's default;
the poses are ordered by CNNscore) or refines each one on its atom gradients first
(:class:`~voxbind.jobs.PoseRefiner`), or is not used (Vina's order). Both packages are an optional extra:
``pip install "voxbind[dock]"``.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rdkit import Chem, rdBase
from rdkit.Chem import AllChem

from .._choices import CNN_SCORING, check_choice
from ..atomtypes import GNINA_IDENTITY_MAP, GninaTyper, TypedAtoms
from ..errors import DependencyError, InvalidArgumentError, VoxbindError
from ..io import Molecule, read_molecule
from .refinement import PoseRefiner
from .scoring import PoseScorer
from .vina_receptor import receptor_pdbqt
from .vina_score import VinaAtoms, VinaScorer


@dataclass(frozen=True)
class Box:
    """The search box: ``center`` and ``size`` (``(3,)``, Å)."""

    center: tuple[float, float, float]
    size: tuple[float, float, float]

    @classmethod
    def around(cls, molecules: Molecule | Sequence[Molecule], add: float = 4.0) -> Box:
        """GNINA's ``--autobox_ligand``: the box bounding the atoms of ``molecules`` (every molecule of
        the file, as GNINA takes them), ``add`` Å wider on each of its six sides (GNINA's
        ``--autobox_add``, 4 Å by default)."""
        if isinstance(molecules, Molecule):
            molecules = [molecules]
        xyz = np.concatenate([m.coords for m in molecules])
        low, high = xyz.min(0), xyz.max(0)
        return cls(tuple((low + high) / 2), tuple(high - low + 2 * add))


@dataclass(frozen=True)
class DockedPose:
    """One docked pose.

    Attributes:
        molecule: the ligand in this pose (hydrogens as prepared).
        rank: 1-based place in the output order of its ligand.
        vina: Vina's score of the pose (kcal/mol; GNINA's ``minimizedAffinity``).
        cnn_score, cnn_affinity, cnn_variance: the CNN's scores (NaN with ``cnn_scoring="none"``;
            variance for ensembles, else ``None``).
        rmsd: with refinement, heavy-atom RMSD from Vina's pose (Å; GNINA's ``minimizedRMSD``).
    """

    molecule: Chem.Mol
    rank: int
    vina: float
    cnn_score: float = float("nan")
    cnn_affinity: float = float("nan")
    cnn_variance: float | None = None
    rmsd: float | None = None


def vina_and_meeko():
    """The ``vina`` and ``meeko`` modules, or the error saying how to install them.

    Importing meeko sends every RDKit log message to Python's ``logging`` (``rdBase.LogToPythonLogger``);
    that bridge fails on a message holding bytes that are not UTF-8 (RDKit quotes bad input in its
    messages), turning a reader's clear error into a ``SystemError``. RDKit's own logging is restored
    after the import, so the rest of voxbind reads files as it does without the extra.

    Raises:
        DependencyError: either package is missing.
    """
    try:
        import meeko
        import vina
    except ImportError as err:
        raise DependencyError(
            f'docking needs AutoDock Vina and meeko ({err.name} is missing): pip install "voxbind[dock]"'
        ) from None
    rdBase.LogToCppStreams()
    return vina, meeko


class Docker:
    """Docks ligands into one receptor's box.

    Args:
        receptor: the receptor file (PDB, mmCIF, ...), hydrogens optional.
        box: the search box.
        model: the CNN (anything :func:`~voxbind.models.load_model` takes).
        cnn_scoring: ``"rescore"`` (GNINA's default: order by CNNscore), ``"refinement"`` (refine each pose
            on the CNN, then order by CNNscore) or ``"none"`` (Vina's order).
        exhaustiveness, num_modes, seed, cpu: Vina's (``cpu=0``: every core).
        device: where the CNN runs.

    Raises:
        DependencyError: ``vina`` or ``meeko`` is not installed.
        InvalidFileError: the receptor cannot be read.
    """

    def __init__(
        self,
        receptor: str | os.PathLike,
        box: Box,
        *,
        model="crossdock_default2018",
        cnn_scoring: str = "rescore",
        exhaustiveness: int = 8,
        num_modes: int = 9,
        seed: int = 0,
        cpu: int = 0,
        device: str = "cpu",
    ):
        self.vina, self.meeko = vina_and_meeko()
        check_choice("cnn_scoring", cnn_scoring, CNN_SCORING)
        if min(exhaustiveness, num_modes) < 1 or cpu < 0:
            raise InvalidArgumentError("exhaustiveness and num_modes must be >= 1, and cpu >= 0")
        if min(box.size) <= 0:
            raise InvalidArgumentError(f"the box must have a positive size, not {box.size}")
        self.box, self.cnn_scoring = box, cnn_scoring
        self.exhaustiveness, self.num_modes, self.seed, self.cpu = exhaustiveness, num_modes, seed, cpu
        self._folder = tempfile.TemporaryDirectory(prefix="voxbind-dock-")
        self.receptor_file = Path(self._folder.name) / "receptor.pdbqt"
        molecule = read_molecule(receptor)
        types = GninaTyper(GNINA_IDENTITY_MAP).gnina_types(molecule)  # typed once: Vina's and the CNN's
        self.receptor_file.write_text(receptor_pdbqt(molecule, types))
        self.scorer: PoseScorer | None = None
        self.refiner: PoseRefiner | None = None
        self.vina_scorer = VinaScorer(VinaAtoms.heavy(molecule.coords, types))  # refined poses' scores
        self.receptor: TypedAtoms | None = None
        if cnn_scoring != "none":
            self.scorer = PoseScorer(model, device=device)
            self.receptor = self.scorer.inputs.receptor_typer.from_gnina_types(molecule.coords, types)

    def dock(self, ligand: Chem.Mol, name: str = "") -> list[DockedPose]:
        """``ligand``'s poses in the box, in GNINA's order (see ``cnn_scoring``): :meth:`sample`, then
        :meth:`finish`.

        Raises:
            InvalidArgumentError: ``ligand`` cannot be prepared for Vina (meeko refuses it).
        """
        return self.finish(self.sample(ligand, name), name)

    def sample(self, ligand: Chem.Mol, name: str = "") -> list[DockedPose]:
        """Vina's poses of ``ligand`` (hydrogens added where missing; its coordinates only seed the
        search), best Vina score first, without the CNN."""
        engine = self._engine()
        engine.set_ligand_from_string(self._ligand_pdbqt(ligand, name))
        engine.dock(exhaustiveness=self.exhaustiveness, n_poses=max(self.num_modes, 20))
        energies = engine.energies(n_poses=self.num_modes)[:, 0]  # (same energy range as the poses)
        poses = self._molecules(engine.poses(n_poses=self.num_modes), name)
        pairs = enumerate(zip(poses, energies, strict=True))
        return [DockedPose(m, k + 1, float(e)) for k, (m, e) in pairs]

    def finish(
        self, poses: list[DockedPose], name: str = "", cnn_scoring: str | None = None
    ) -> list[DockedPose]:
        """``poses`` (from :meth:`sample`) after the CNN: rescored or refined, ordered by CNNscore; as they
        are with ``"none"``. ``cnn_scoring`` overrides the docker's own (``"none"`` needs no model)."""
        mode = cnn_scoring or self.cnn_scoring
        check_choice("cnn_scoring", mode, CNN_SCORING)
        if mode == "none":
            return poses
        if self.scorer is None or self.receptor is None:
            raise InvalidArgumentError("this docker has no CNN (it was made with cnn_scoring='none')")
        if mode == "rescore":
            return self._rescored(self.scorer, self.receptor, poses, name)
        return self._refined(self.scorer, self.receptor, poses, name)

    def _engine(self):
        engine = self.vina.Vina(sf_name="vina", cpu=self.cpu, seed=self.seed, verbosity=0)
        engine.set_receptor(str(self.receptor_file))
        engine.compute_vina_maps(center=list(self.box.center), box_size=list(self.box.size))
        return engine

    def _ligand_pdbqt(self, ligand: Chem.Mol, name: str) -> str:
        mol = Chem.AddHs(plain_ligand(ligand), addCoords=True)
        try:
            setups = self.meeko.MoleculePreparation().prepare(mol)
            pdbqt, ok, error = self.meeko.PDBQTWriterLegacy.write_string(setups[0])
        except Exception as err:  # meeko raises several types for molecules it cannot type
            reason = " ".join(str(err).split())
            raise InvalidArgumentError(f"{name or 'ligand'} cannot be prepared for Vina: {reason}") from err
        if not ok:
            reason = " ".join(str(error).split())
            raise InvalidArgumentError(f"{name or 'ligand'} cannot be prepared for Vina: {reason}")
        return pdbqt

    def _molecules(self, poses_pdbqt: str, name: str) -> list[Chem.Mol]:
        """Vina's poses as RDKit molecules, one conformer each, hydrogens as prepared."""
        docked = self.meeko.PDBQTMolecule(poses_pdbqt, skip_typing=True)
        (mol,) = self.meeko.RDKitMolCreate.from_pdbqt_mol(docked)
        out = []
        for conformer in mol.GetConformers():
            pose = Chem.Mol(mol, confId=conformer.GetId())
            pose.SetProp("_Name", name)
            out.append(pose)
        return out

    def _rescored(
        self, scorer: PoseScorer, receptor: TypedAtoms, docked: list[DockedPose], name: str
    ) -> list[DockedPose]:
        examples: list = []
        kept: list[DockedPose] = []
        for pose in docked:
            molecule = _as_molecule(pose.molecule, name)
            _, complexes = scorer.prepare(receptor, molecule, len(kept))
            if complexes:
                examples += complexes
                kept.append(pose)
        if not examples:
            return docked
        values = scorer.run(scorer.grids(examples))
        variance = values.get("variance")
        scored = [
            dataclasses.replace(
                pose,
                cnn_score=float(values["score"][k]),
                cnn_affinity=float(values["affinity"][k]),
                cnn_variance=None if variance is None else float(variance[k]),
            )
            for k, pose in enumerate(kept)
        ]
        return _ranked(sorted(scored, key=lambda p: -p.cnn_score))

    def _refined(
        self, scorer: PoseScorer, receptor: TypedAtoms, docked: list[DockedPose], name: str
    ) -> list[DockedPose]:
        if self.refiner is None:
            self.refiner = PoseRefiner(scorer.net, device=scorer.device)
        results = self.refiner.refine_batch([(receptor, _as_molecule(p.molecule, name)) for p in docked])
        refined = []
        for pose, result in zip(docked, results, strict=True):
            if isinstance(result, VoxbindError):
                continue
            refined.append(
                dataclasses.replace(
                    pose,
                    molecule=result.molecule,
                    vina=self.vina_scorer(_as_molecule(result.molecule, name)).affinity,
                    cnn_score=result.cnn_score[1],
                    cnn_affinity=result.cnn_affinity[1],
                    rmsd=result.rmsd,
                )
            )
        return _ranked(sorted(refined, key=lambda p: -p.cnn_score))


def plain_ligand(mol: Chem.Mol) -> Chem.Mol:
    """``mol`` with plain atoms and bonds: a molfile's query fields (hydrogen counts, bond topology; RDKit
    makes query atoms and bonds of them) would stop meeko. Elements, charges, bond orders, aromaticity and
    coordinates are kept; implicit hydrogens follow from valences, as for a molfile without those fields."""
    if not any(a.HasQuery() for a in mol.GetAtoms()) and not any(b.HasQuery() for b in mol.GetBonds()):
        return mol
    plain = Chem.RWMol()
    for atom in mol.GetAtoms():
        copy = Chem.Atom(atom.GetAtomicNum())  # implicit hydrogens from valence, as for a plain molfile
        copy.SetFormalCharge(atom.GetFormalCharge())
        copy.SetIsAromatic(atom.GetIsAromatic())
        plain.AddAtom(copy)
    for bond in mol.GetBonds():
        plain.AddBond(bond.GetBeginAtomIdx(), bond.GetEndAtomIdx(), bond.GetBondType())
        plain.GetBondWithIdx(plain.GetNumBonds() - 1).SetIsAromatic(bond.GetIsAromatic())
    for conformer in mol.GetConformers():
        plain.AddConformer(Chem.Conformer(conformer), assignId=True)
    out = plain.GetMol()
    quiet = rdBase.BlockLogs()  # the problems are mended here, not news to the user
    for problem in Chem.DetectChemistryProblems(out):
        if problem.GetType() == "AtomValenceException":
            _repair_valence(out, problem.GetAtomIdx())
    Chem.SanitizeMol(out, catchErrors=True)
    del quiet
    if mol.HasProp("_Name"):
        out.SetProp("_Name", mol.GetProp("_Name"))
    return out


def _repair_valence(mol: Chem.Mol, index: int) -> None:
    """Mend an over-valent atom as PDBbind-style files write them: a carboxylate ``C-(=O)=O``, a phosphate
    ``P(=O)(=O)=O`` or a nitro group ``N+2(=O)=O`` gets single bonds to charged oxygens (``C(=O)[O-]``,
    ``P(=O)([O-])[O-]``, ``[N+](=O)[O-]``) until its valence is a normal one."""
    atom = mol.GetAtomWithIdx(index)
    atom.SetFormalCharge(0)
    allowed = max(Chem.GetPeriodicTable().GetValenceList(atom.GetAtomicNum()))
    terminal = [
        b for b in atom.GetBonds()
        if b.GetBondType() == Chem.BondType.DOUBLE and b.GetOtherAtom(atom).GetAtomicNum() == 8
        and b.GetOtherAtom(atom).GetDegree() == 1
    ]  # fmt: skip
    valence = sum(b.GetBondTypeAsDouble() for b in atom.GetBonds()) + atom.GetNumExplicitHs()
    for bond in terminal[1:]:  # one double-bonded oxygen stays
        if valence <= allowed:
            break
        bond.SetBondType(Chem.BondType.SINGLE)
        bond.GetOtherAtom(atom).SetFormalCharge(-1)
        valence -= 1
    if atom.GetAtomicNum() == 7 and valence == 4:  # a nitro group, [N+](=O)[O-]
        atom.SetFormalCharge(1)


def _as_molecule(mol: Chem.Mol, name: str) -> Molecule:
    return Molecule(mol, name=name, source=name or "docked pose")


def _ranked(poses: list[DockedPose]) -> list[DockedPose]:
    return [dataclasses.replace(p, rank=k + 1) for k, p in enumerate(poses)]


def ligand_from_smiles(smiles: str, seed: int = 0) -> Chem.Mol:
    """A 3D conformer of ``smiles`` (hydrogens added; RDKit's ETKDG, then MMFF), to start docking from.

    Raises:
        InvalidArgumentError: the SMILES cannot be parsed or embedded.
    """
    mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        raise InvalidArgumentError(f"cannot parse the SMILES {smiles!r}")
    mol = Chem.AddHs(mol)
    params = AllChem.ETKDGv3()
    params.randomSeed = seed
    if AllChem.EmbedMolecule(mol, params) != 0:
        raise InvalidArgumentError(f"cannot embed {smiles!r} in 3D")
    if AllChem.MMFFHasAllMoleculeParams(mol):
        AllChem.MMFFOptimizeMolecule(mol)
    mol.SetProp("_Name", smiles)
    return mol


def docked_entry(pose: DockedPose, index: int, name: str, receptor: str, source: str) -> dict:
    """The output record of a docked pose (see :func:`~voxbind.jobs.score_output.write_output`): GNINA's
    tags ``minimizedAffinity`` (and ``minimizedRMSD`` after refinement), ``CNNscore``, ``CNNaffinity``,
    ``CNN_VS`` (and ``CNNaffinity_variance``), and the pose's rank as ``pose``."""
    tags = {} if pose.rmsd is None else {"minimizedRMSD": f"{pose.rmsd:.5f}"}
    scored = not np.isnan(pose.cnn_score)
    entry = {"index": index, "receptor": receptor, "file": source, "pose": pose.rank, "name": name}
    entry["minimizedAffinity"] = pose.vina
    entry["CNNscore"] = pose.cnn_score if scored else None
    entry["CNNaffinity"] = pose.cnn_affinity if scored else None
    entry["CNN_VS"] = pose.cnn_score * pose.cnn_affinity if scored else None
    block = Chem.MolToMolBlock(pose.molecule).split("\n", 1)[1]  # the title line is the ligand's name
    entry.update(problem="", tags=tags, molblock=f"{name}\n{block}")
    if pose.cnn_variance is not None:
        entry["CNNaffinity_variance"] = pose.cnn_variance
    return entry
