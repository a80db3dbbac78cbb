"""Writes the HDF5 and ONNX files of this directory with the reference
libraries (Debian 12: python3-h5py 3.7, python3-onnx 1.12):

    python3 generate.py

The tests read them as files that real writers produce.
"""
import json

import h5py
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

# Keras 2 style HDF5 models: the config is the root group's "model_config"
# attribute, as bytes (fixed-length string) or str (variable-length).
lam = {"class_name": "Sequential", "config": {"name": "seq", "layers": [
    {"class_name": "Dense", "config": {"name": "d1", "units": 4}},
    {"class_name": "Lambda", "config": {"name": "evil", "function": ["4wEAAAAAAAAA", "", None], "function_type": "lambda"}}]}}
ok = {"class_name": "Sequential", "config": {"name": "seq", "layers": [
    {"class_name": "Dense", "config": {"name": "d1", "units": 4}}]}}
files = [("lambda", lam, "earliest", "fixed"), ("lambda", lam, "latest", "vlen"),
         ("clean", ok, "latest", "fixed"), ("clean", ok, "earliest", "vlen")]
for name, cfg, libver, kind in files:
    with h5py.File(f"{name}_{libver}_{kind}.h5", "w", libver=libver) as f:
        f.attrs["keras_version"] = "2.15.0"
        f.attrs["backend"] = "tensorflow"
        text = json.dumps(cfg)
        f.attrs["model_config"] = text.encode() if kind == "fixed" else text
        if kind == "fixed":
            f.create_group("model_weights").create_dataset("k", data=np.ones((4, 4), dtype="f4"))

X = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])
Y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])
opset = [helper.make_opsetid("", 13)]


def weights():
    return numpy_helper.from_array(np.ones((4, 4), dtype=np.float32), "w")


mm = helper.make_node("MatMul", ["x", "w"], ["h"], name="mm")
relu = helper.make_node("Relu", ["h"], ["y"], name="relu")
onnx.save(helper.make_model(helper.make_graph([mm, relu], "clean", [X], [Y], [weights()]),
                            producer_name="bulwark-test", opset_imports=opset), "clean.onnx")

py = helper.make_node("PyOp", ["h"], ["y"], name="py", domain="ai.onnx.contrib")
onnx.save(helper.make_model(helper.make_graph([mm, py], "custom", [X], [Y], [weights()]), producer_name="bulwark-test",
                            opset_imports=opset + [helper.make_opsetid("ai.onnx.contrib", 1)]), "custom_domain.onnx")


def external(t, location):
    t.ClearField("raw_data")
    t.data_location = TensorProto.EXTERNAL
    e = t.external_data.add()
    e.key, e.value = "location", location
    return t


m = helper.make_model(helper.make_graph([mm, relu], "ext", [X], [Y], [external(weights(), "../../../etc/passwd")]),
                      producer_name="bulwark-test", opset_imports=opset)
open("external_traversal.onnx", "wb").write(m.SerializeToString())

fn = helper.make_function("local.fn", "MyRelu", ["a"], ["b"], [helper.make_node("Relu", ["a"], ["b"])], opset)
call = helper.make_node("MyRelu", ["h"], ["y"], name="call", domain="local.fn")
onnx.save(helper.make_model(helper.make_graph([mm, call], "fn", [X], [Y], [weights()]), producer_name="bulwark-test",
                            opset_imports=opset + [helper.make_opsetid("local.fn", 1)], functions=[fn]), "local_function.onnx")

big = numpy_helper.from_array(np.ones((64, 64), dtype=np.float32), "w")
onnx.save_model(helper.make_model(helper.make_graph([mm, relu], "ext", [X], [Y], [big]), producer_name="bulwark-test",
                                  opset_imports=opset), "external_data.onnx", save_as_external_data=True,
                all_tensors_to_one_file=True, location="external_data.onnx.data", size_threshold=0)

tw = external(numpy_helper.from_array(np.ones((4,), dtype=np.float32), "tw"), "/etc/shadow")
out = helper.make_tensor_value_info("o", TensorProto.FLOAT, [4])
then_g = helper.make_graph([helper.make_node("Identity", ["tw"], ["o"])], "then", [], [out], [tw])
else_g = helper.make_graph([helper.make_node("Identity", ["x"], ["o"])], "else", [], [out])
nif = helper.make_node("If", ["c"], ["y"], then_branch=then_g, else_branch=else_g, name="if")
C = helper.make_tensor_value_info("c", TensorProto.BOOL, [])
m = helper.make_model(helper.make_graph([nif], "iftest", [C, X], [Y]), producer_name="bulwark-test", opset_imports=opset)
open("if_subgraph_absolute.onnx", "wb").write(m.SerializeToString())
