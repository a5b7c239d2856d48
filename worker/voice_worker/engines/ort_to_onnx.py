"""Rebuilds a plain ONNX model from an ORT-format (.ort) file, for install_moonshine.

moonshine-cpp ships its weights as .ort files whose int8 weights are dequantised (Cast/Mul/Add)
on every decoder step, and ORT-format models are never constant-folded: slow, and the memory
arena grows to GBs. As plain ONNX they can be folded and re-quantised once at install time.
The reader is onnxruntime's own flatbuffer schema (onnxruntime/tools/ort_format_model); the
`onnx` package (build time only) writes the result. The graphs are rebuilt as they are: nodes,
attributes (If subgraphs included), initializers, inputs/outputs and opset imports.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import numpy as np

_NUMPY_TYPES = {1: np.float32, 2: np.uint8, 3: np.int8, 4: np.uint16, 5: np.int16, 6: np.int32, 7: np.int64,
                9: np.bool_, 10: np.float16, 11: np.float64, 12: np.uint32, 13: np.uint64}
_TENSOR_TYPE_AND_SHAPE = 1  # fbs TypeInfoValue
_DIM_VALUE = 1  # fbs DimensionValueType


def _schema() -> Any:
    import onnxruntime

    tools = os.path.join(os.path.dirname(onnxruntime.__file__), "tools", "ort_format_model")
    if tools not in sys.path:
        sys.path.append(tools)
    from ort_flatbuffers_py import fbs  # type: ignore[import-not-found]

    return fbs


def _tensor(t: Any) -> Any:
    from onnx import helper, numpy_helper

    name = t.Name().decode()
    dims = [t.Dims(i) for i in range(t.DimsLength())]
    if t.StringDataLength():
        return helper.make_tensor(name, t.DataType(), dims, [t.StringData(i) for i in range(t.StringDataLength())])
    if t.ExternalDataOffset() >= 0 and not t.RawDataLength():
        raise ValueError(f"tensor {name} keeps its data outside the .ort file: not supported")
    dtype = _NUMPY_TYPES[t.DataType()]
    raw = t.RawDataAsNumpy().tobytes() if t.RawDataLength() else b""
    array = np.frombuffer(raw, dtype=dtype).reshape(dims) if raw else np.zeros(dims, dtype)
    return numpy_helper.from_array(array, name)


def _value_info(fbs: Any, arg: Any) -> Any:
    from onnx import helper

    name = arg.Name().decode()
    type_info = arg.Type()
    if type_info is None or type_info.ValueType() != _TENSOR_TYPE_AND_SHAPE:
        return helper.make_empty_tensor_value_info(name)
    tts = fbs.TensorTypeAndShape.TensorTypeAndShape()
    table = type_info.Value()
    tts.Init(table.Bytes, table.Pos)
    shape: list[int | str | None] | None = None
    if tts.Shape() is not None:
        shape = []
        for i in range(tts.Shape().DimLength()):
            value = tts.Shape().Dim(i).Value()
            if value is None:
                shape.append(None)
            elif value.DimType() == _DIM_VALUE:
                shape.append(value.DimValue())
            else:
                shape.append(value.DimParam().decode() if value.DimParam() else None)
    return helper.make_tensor_value_info(name, tts.ElemType(), shape)


def _attribute(fbs: Any, a: Any) -> Any:
    import onnx
    from onnx import helper

    kind = fbs.AttributeType.AttributeType
    name, t = a.Name().decode(), a.Type()
    if t == kind.FLOAT:
        return helper.make_attribute(name, a.F())
    if t == kind.INT:
        return helper.make_attribute(name, a.I())
    if t == kind.STRING:
        return helper.make_attribute(name, a.S())
    if t == kind.TENSOR:
        return helper.make_attribute(name, _tensor(a.T()))
    if t == kind.GRAPH:
        return helper.make_attribute(name, _graph(fbs, a.G(), name))
    if t == kind.FLOATS:
        return helper.make_attribute(name, [a.Floats(i) for i in range(a.FloatsLength())],
                                     attr_type=onnx.AttributeProto.FLOATS)
    if t == kind.INTS:
        return helper.make_attribute(name, [a.Ints(i) for i in range(a.IntsLength())],
                                     attr_type=onnx.AttributeProto.INTS)
    if t == kind.STRINGS:
        return helper.make_attribute(name, [a.Strings(i) for i in range(a.StringsLength())],
                                     attr_type=onnx.AttributeProto.STRINGS)
    if t == kind.TENSORS:
        return helper.make_attribute(name, [_tensor(a.Tensors(i)) for i in range(a.TensorsLength())])
    if t == kind.GRAPHS:
        return helper.make_attribute(name, [_graph(fbs, a.Graphs(i), name) for i in range(a.GraphsLength())])
    raise ValueError(f"attribute {name}: type {t} not supported")


def _graph(fbs: Any, g: Any, name: str = "main") -> Any:
    from onnx import helper

    nodes = []
    for i in range(g.NodesLength()):
        n = g.Nodes(i)
        if n is None:
            continue
        if n.Type() != 0:
            raise ValueError("the .ort file holds fused nodes: convert an unoptimised model")
        node = helper.make_node(n.OpType().decode(),
                                [n.Inputs(k).decode() for k in range(n.InputsLength())],
                                [n.Outputs(k).decode() for k in range(n.OutputsLength())],
                                name=(n.Name() or b"").decode() or None,
                                domain=(n.Domain() or b"").decode() or None)
        node.attribute.extend(_attribute(fbs, n.Attributes(k)) for k in range(n.AttributesLength()))
        nodes.append(node)
    args = {g.NodeArgs(i).Name().decode(): g.NodeArgs(i) for i in range(g.NodeArgsLength())}
    initializers = [_tensor(g.Initializers(i)) for i in range(g.InitializersLength())]
    constant = {t.name for t in initializers}
    inputs = [_value_info(fbs, args[g.Inputs(i).decode()]) for i in range(g.InputsLength())
              if g.Inputs(i).decode() not in constant]
    outputs = [_value_info(fbs, args[g.Outputs(i).decode()]) for i in range(g.OutputsLength())]
    return helper.make_graph(nodes, name, inputs, outputs, initializer=initializers)


def convert(src: Path, dst: Path) -> None:
    """Writes the ONNX form of the .ort model src to dst."""
    import onnx
    from onnx import helper

    fbs = _schema()
    session = fbs.InferenceSession.InferenceSession.GetRootAsInferenceSession(src.read_bytes(), 0)
    m = session.Model()
    opsets = [helper.make_opsetid(m.OpsetImport(i).Domain().decode(), m.OpsetImport(i).Version())
              for i in range(m.OpsetImportLength())]
    model = helper.make_model(_graph(fbs, m.Graph()), opset_imports=opsets, ir_version=m.IrVersion(),
                              producer_name="voice-sidecar ort_to_onnx")
    onnx.save(model, str(dst))
