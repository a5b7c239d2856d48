"""Converts Moonshine base-en, shipped by moonshine-cpp 0.1.4 as .ort files, into the int8 ONNX
models the moonshine engine runs.

Three steps per graph (encoder, merged decoder), once at install time (~10 CPU s):
.ort -> plain ONNX (ort_to_onnx), constant folding by onnxruntime (ORT_ENABLE_BASIC: the
run-time dequantisation becomes float weights), then dynamic int8 quantisation of MatMul and
Gather, subgraphs included. Measured (docs/MODELS.md): ~0.05 CPU s per audio second instead of
~0.35, and ~300 MB RSS instead of 1.4 GB and growing. The output is deterministic for pinned
onnx/onnxruntime versions. moonshine_cpp is located, never imported: importing it dlopens its
bundled libonnxruntime.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

from . import store
from .install_base import InstallError

NAME = "moonshine-base-en-0.1.4"
PACKAGE = "moonshine_cpp"
GRAPHS = ("encoder_model", "decoder_model_merged")


def shipped_dir() -> Path:
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise InstallError("moonshine-cpp is not installed: run `make models`")
    return Path(list(spec.submodule_search_locations)[0])


def package_present() -> bool:
    return importlib.util.find_spec(PACKAGE) is not None


def _quantize(src: Path, tmp: Path, graph: str) -> None:
    import onnxruntime as ort
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from .ort_to_onnx import convert

    plain, folded = tmp / f"{graph}.plain.onnx", tmp / f"{graph}.folded.onnx"
    convert(src / f"{graph}.ort", plain)
    options = ort.SessionOptions()
    # Basic level only: constant folding and portable rewrites, no CPU-specific fused ops.
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    options.optimized_model_filepath = str(folded)
    ort.InferenceSession(str(plain), options, providers=["CPUExecutionProvider"])
    quantize_dynamic(str(folded), str(tmp / f"{graph}.onnx"), weight_type=QuantType.QInt8,
                     op_types_to_quantize=["MatMul", "Gather"], extra_options={"EnableSubgraph": True})
    plain.unlink()
    folded.unlink()


def _build(tmp: Path) -> str:
    package = shipped_dir()
    src = package / "models" / "base-en"
    for graph in GRAPHS:
        if not (src / f"{graph}.ort").is_file():
            raise InstallError(f"moonshine-cpp has no {graph}.ort in {src}: reinstall it with `make models`")
        _quantize(src, tmp, graph)
    shutil.copyfile(src / "tokenizer.bin", tmp / "tokenizer.bin")
    if (package / "LICENSE").is_file():
        shutil.copyfile(package / "LICENSE", tmp / "LICENSE")
    hashes = "".join(f"{graph}.onnx sha256 {store.sha256(tmp / (graph + '.onnx'))}\n" for graph in GRAPHS)
    return "moonshine-cpp 0.1.4 base-en, .ort -> ONNX -> dynamic int8\n" + hashes


def install() -> tuple[Path, bool]:
    return store.build_once(NAME, _build)
