"""Serve one MLflow pyfunc model over the Open Inference Protocol (V2, JSON) on a loopback port.

Started and supervised by Ascent's python runtime (src/serving/runtimes/python-runtime.ts); also
usable by hand:

    python python/ascent_pyfunc_server.py --model-dir ./model --name iris --port 8081

Prints one line `ASCENT_PYFUNC_READY <port>` on stdout once the model is loaded and the socket
listens. When ASCENT_PYFUNC_TOKEN is set, every request must carry `Authorization: Bearer <token>`
(other local users cannot call the model). With --exit-on-stdin-eof the process exits when its
parent goes away (stdin closes), so a killed server never leaves orphans. Only the standard library,
numpy, pandas and mlflow are used.
"""
import argparse
import json
import os
import sys
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pandas as pd

NUMPY_TO_OIP = {
    "bool": "BOOL", "uint8": "UINT8", "uint16": "UINT16", "uint32": "UINT32", "uint64": "UINT64",
    "int8": "INT8", "int16": "INT16", "int32": "INT32", "int64": "INT64",
    "float16": "FP16", "float32": "FP32", "float64": "FP64",
}
OIP_TO_NUMPY = {v: k for k, v in NUMPY_TO_OIP.items()}
COLUMN_TO_OIP = {"double": "FP64", "float": "FP32", "long": "INT64", "integer": "INT32", "boolean": "BOOL", "string": "BYTES", "binary": "BYTES", "datetime": "BYTES"}
MAX_BODY = int(os.environ.get("ASCENT_PYFUNC_MAX_BODY", str(64 * 1024 * 1024)))


class BadInput(Exception):
    """A request the model cannot take: answered with 400."""


def schema_specs(schema, side):
    """Signature entries as OIP tensor specs, named as Ascent's codec names them."""
    if schema is None:
        return [{"name": "predictions", "datatype": "FP64", "shape": [-1]}] if side == "output" else []
    entries = schema.to_dict()
    specs = []
    for i, e in enumerate(entries):
        default = "predictions" if side == "output" and len(entries) == 1 else f"{side}-{i}"
        name = e.get("name") or default
        if e.get("type") == "tensor":
            ts = e["tensor-spec"]
            specs.append({"name": name, "datatype": NUMPY_TO_OIP.get(str(ts["dtype"]).lstrip("<"), "BYTES"), "shape": list(ts.get("shape") or [])})
        else:
            specs.append({"name": name, "datatype": COLUMN_TO_OIP.get(e.get("type"), "BYTES"), "shape": [-1]})
    return specs


class PyfuncModel:
    def __init__(self, model_dir, name, version):
        import mlflow.pyfunc

        self.model = mlflow.pyfunc.load_model(model_dir)
        self.name = name
        self.version = version
        meta = self.model.metadata
        self.input_schema = meta.get_input_schema() if meta else None
        self.output_schema = meta.get_output_schema() if meta else None
        self.inputs = schema_specs(self.input_schema, "input")
        self.outputs = schema_specs(self.output_schema, "output")
        self.tensor_based = bool(self.input_schema is not None and self.input_schema.is_tensor_spec())

    def metadata(self):
        return {"name": self.name, "versions": [self.version], "platform": "mlflow_pyfunc", "inputs": self.inputs, "outputs": self.outputs}

    def to_model_input(self, tensors):
        if not isinstance(tensors, list) or not tensors:
            raise BadInput("inputs: at least one input tensor is required")
        arrays = {}
        for i, t in enumerate(tensors):
            if not isinstance(t, dict) or not isinstance(t.get("name"), str):
                raise BadInput(f"inputs[{i}]: a tensor needs a name")
            shape, datatype, data = t.get("shape"), t.get("datatype"), t.get("data")
            if not isinstance(shape, list) or not isinstance(data, list):
                raise BadInput(f"inputs[{i}] '{t['name']}': shape and data must be arrays")
            try:
                dtype = object if datatype == "BYTES" else OIP_TO_NUMPY[datatype]
                arrays[t["name"]] = np.asarray(data, dtype=dtype).reshape(shape)
            except KeyError:
                raise BadInput(f"inputs[{i}] '{t['name']}': unknown datatype {datatype!r}")
            except (ValueError, TypeError) as err:
                raise BadInput(f"inputs[{i}] '{t['name']}': {err}")
        if self.tensor_based:
            if len(arrays) == 1 and self.input_schema.has_input_names() is False:
                return next(iter(arrays.values()))
            return arrays
        # Column-based: one 1-D tensor per column, or one [N, k] tensor holding all k columns in order.
        if len(arrays) == 1:
            only = next(iter(arrays.values()))
            if only.ndim == 2 and self.input_schema is not None and only.shape[1] == len(self.inputs):
                return pd.DataFrame(only, columns=[s["name"] for s in self.inputs])
        columns = {}
        for name, arr in arrays.items():
            if arr.ndim > 2 or (arr.ndim == 2 and arr.shape[1] != 1):
                raise BadInput(f"input '{name}': a column must have shape [N] or [N, 1], got {list(arr.shape)}")
            columns[name] = arr.reshape(-1)
        try:
            return pd.DataFrame(columns)
        except ValueError as err:
            raise BadInput(f"inputs: {err}")

    def predict(self, body):
        from mlflow.exceptions import MlflowException

        data = self.to_model_input(body.get("inputs"))
        try:
            result = self.model.predict(data, params=body.get("parameters") or None) if body.get("parameters") else self.model.predict(data)
        except MlflowException as err:
            raise BadInput(err.message)
        except (ValueError, TypeError, KeyError) as err:
            raise BadInput(f"{type(err).__name__}: {err}")
        return self.to_outputs(result)

    def to_outputs(self, result):
        names = [s["name"] for s in self.outputs]
        if isinstance(result, pd.DataFrame):
            return [tensor(str(c), result[c].to_numpy()) for c in result.columns]
        if isinstance(result, dict):
            return [tensor(str(k), np.asarray(v)) for k, v in result.items()]
        arr = np.asarray(result.to_numpy() if isinstance(result, pd.Series) else result)
        return [tensor(names[0] if names else "predictions", arr)]


def tensor(name, arr):
    kind = str(arr.dtype)
    datatype = NUMPY_TO_OIP.get(kind, "BYTES")
    data = arr.reshape(-1).tolist() if datatype != "BYTES" else [str(v) for v in arr.reshape(-1)]
    return {"name": name, "datatype": datatype, "shape": list(arr.shape), "data": data}


def make_handler(model, token):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def reply(self, status, body):
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def authorized(self):
            if token and self.headers.get("Authorization") != f"Bearer {token}":
                self.reply(401, {"error": "missing or wrong bearer token"})
                return False
            return True

        def model_path(self):
            parts = [p for p in self.path.split("?")[0].split("/") if p]
            if len(parts) >= 3 and parts[:2] == ["v2", "models"] and parts[2] == model.name:
                rest = parts[3:]
                if len(rest) >= 2 and rest[0] == "versions":
                    rest = rest[2:]
                return rest
            return None

        def do_GET(self):
            if not self.authorized():
                return
            path = self.path.split("?")[0].rstrip("/")
            if path in ("/v2/health/live", "/v2/health/ready"):
                return self.reply(200, {"live": True} if path.endswith("live") else {"ready": True})
            if path == "/v2":
                return self.reply(200, {"name": "ascent-pyfunc", "version": "1", "extensions": []})
            rest = self.model_path()
            if rest == []:
                return self.reply(200, model.metadata())
            if rest == ["ready"]:
                return self.reply(200, {"name": model.name, "ready": True})
            self.reply(404, {"error": f"no route {self.path}"})

        def do_POST(self):
            if not self.authorized():
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self.close_connection = True
                return self.reply(413, {"error": f"request body is {length} bytes; the limit is {MAX_BODY}"})
            raw = self.rfile.read(length)
            if self.model_path() != ["infer"]:
                return self.reply(404, {"error": f"no route {self.path}"})
            try:
                body = json.loads(raw or b"{}")
                if not isinstance(body, dict):
                    raise BadInput("the request body must be a JSON object")
                outputs = model.predict(body)
                wanted = [o.get("name") for o in body.get("outputs") or [] if isinstance(o, dict)]
                if wanted:
                    outputs = [o for o in outputs if o["name"] in wanted]
                reply = {"model_name": model.name, "model_version": model.version, "outputs": outputs}
                if "id" in body:
                    reply["id"] = body["id"]
                self.reply(200, reply)
            except json.JSONDecodeError as err:
                self.reply(400, {"error": f"the request body is not JSON: {err}"})
            except BadInput as err:
                self.reply(400, {"error": str(err)})
            except Exception as err:  # noqa: BLE001 - the model's own failure is a 500 with its message
                traceback.print_exc(file=sys.stderr)
                self.reply(500, {"error": f"{type(err).__name__}: {err}"})

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model-dir", required=True)
    parser.add_argument("--name", default="model")
    parser.add_argument("--version", default="1")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--exit-on-stdin-eof", action="store_true")
    args = parser.parse_args()
    model = PyfuncModel(args.model_dir, args.name, args.version)
    server = ThreadingHTTPServer((args.host, args.port), make_handler(model, os.environ.get("ASCENT_PYFUNC_TOKEN")))
    server.daemon_threads = True
    if args.exit_on_stdin_eof:
        def watch():
            sys.stdin.read()
            os._exit(0)

        threading.Thread(target=watch, daemon=True).start()
    print(f"ASCENT_PYFUNC_READY {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
