"""Framed, versioned messages and the strict value codec shared by both sides of the sandbox.

Only plain data crosses the trust boundary: None, bools, ints, floats (non-finite ones
included), strings, bytes, lists, tuples, string-keyed dicts, and dense CPU tensors of a
whitelisted dtype. Encoding is JSON for structure plus raw little-endian buffers for tensors
and bytes; decoding builds fresh objects of exactly those types and nothing else. There is no
pickle anywhere, so a child cannot make the trusted side run code, construct a tensor subclass
or an ``nn.Parameter``, or smuggle an object with lying comparisons.

A frame on a pipe is ``MAGIC (4 bytes) | VERSION (1 byte) | length (8 bytes, big endian) |
payload``. A reader refuses a wrong magic, another version, or a length over its cap.

This module imports only the standard library at import time; torch is imported lazily by the
tensor functions, so the trusted parent can load it cheaply.
"""

from __future__ import annotations

import json
import math
import os
import struct
import sys

MAGIC = b"AGG\x00"
VERSION = 1
HEADER = struct.Struct(">4sBQ")

# dtype name -> element size in bytes. Complex and quantized types are deliberately absent.
TENSOR_DTYPES = {
    "float64": 8,
    "float32": 4,
    "float16": 2,
    "bfloat16": 2,
    "int64": 8,
    "int32": 4,
    "int16": 2,
    "int8": 1,
    "uint8": 1,
    "bool": 1,
}
MAX_DEPTH = 32
MAX_HEAD_BYTES = 1 << 22  # the JSON structure; tensors and bytes travel beside it, in buffers
MAX_INT_BITS = 4096  # about 1,233 decimal digits: far below Python's conversion limit
MAX_ELEMENTS = 1 << 40
MAX_DIMS = 16


class ProtocolError(Exception):
    """A frame or value that does not follow the protocol: the message fails closed."""


# ----------------------------------------------------------------------------- frames


def pack_frame(payload: bytes) -> bytes:
    return HEADER.pack(MAGIC, VERSION, len(payload)) + payload


def parse_header(header: bytes, max_bytes: int) -> int:
    """Return the payload length announced by a frame header, or raise ProtocolError."""
    if len(header) != HEADER.size:
        raise ProtocolError("truncated frame header")
    magic, version, length = HEADER.unpack(header)
    if magic != MAGIC:
        raise ProtocolError("bad frame magic")
    if version != VERSION:
        raise ProtocolError(f"protocol version {version}, expected {VERSION}")
    if length > max_bytes:
        raise ProtocolError(f"frame of {length} bytes exceeds the cap of {max_bytes}")
    return length


def write_frame(fd: int, payload: bytes) -> None:
    data = memoryview(pack_frame(payload))
    while data:
        written = os.write(fd, data)
        data = data[written:]


def read_exact(fd: int, n: int) -> bytes:
    """Read exactly n bytes from a blocking fd; raise EOFError if it closes first."""
    chunks = []
    while n:
        chunk = os.read(fd, min(n, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int, max_bytes: int) -> bytes:
    """Read one frame from a blocking fd. Raises EOFError on a clean end before a header."""
    length = parse_header(read_exact(fd, HEADER.size), max_bytes)
    return read_exact(fd, length)


class FrameReader:
    """Incremental frame parser for non-blocking reads: feed bytes, collect whole payloads."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._buffer = bytearray()
        self._expected: int | None = None

    def feed(self, data: bytes) -> list[bytes]:
        self._buffer += data
        payloads = []
        while True:
            if self._expected is None:
                if len(self._buffer) < HEADER.size:
                    break
                self._expected = parse_header(bytes(self._buffer[: HEADER.size]), self.max_bytes)
                del self._buffer[: HEADER.size]
            if len(self._buffer) < self._expected:
                break
            payloads.append(bytes(self._buffer[: self._expected]))
            del self._buffer[: self._expected]
            self._expected = None
        return payloads

    @property
    def pending(self) -> bool:
        """True when a frame has started but not finished."""
        return bool(self._buffer) or self._expected is not None


# ----------------------------------------------------------------------------- values


def encode(value) -> bytes:
    """Encode plain data into a message body. Raises ProtocolError for anything else."""
    buffers: list[bytes] = []
    tree = _to_tree(value, buffers, 0)
    head = json.dumps({"v": tree, "b": [len(b) for b in buffers]}, allow_nan=False).encode()
    if len(head) > MAX_HEAD_BYTES:
        raise ProtocolError(f"value's structure takes {len(head)} bytes, over the limit of {MAX_HEAD_BYTES}")
    return struct.pack(">Q", len(head)) + head + b"".join(buffers)


def decode(body: bytes, max_bytes: int | None = None):
    """Decode a message body produced by ``encode`` into fresh plain objects.

    Raises ProtocolError, and nothing else, for anything that is not a valid message.
    """
    try:
        return _decode(body, max_bytes)
    except ProtocolError:
        raise
    except Exception as exc:  # noqa: BLE001 - whatever a forged message trips, it fails closed
        raise ProtocolError(f"malformed message: {type(exc).__name__}") from None


def _decode(body: bytes, max_bytes: int | None):
    if max_bytes is not None and len(body) > max_bytes:
        raise ProtocolError(f"message of {len(body)} bytes exceeds the cap of {max_bytes}")
    if len(body) < 8:
        raise ProtocolError("truncated message")
    (head_len,) = struct.unpack(">Q", body[:8])
    if head_len > len(body) - 8:
        raise ProtocolError("truncated message head")
    if head_len > MAX_HEAD_BYTES:
        raise ProtocolError(f"message head of {head_len} bytes is over its limit of {MAX_HEAD_BYTES}")
    try:
        head = json.loads(body[8 : 8 + head_len], parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:
        raise ProtocolError(f"malformed message head: {exc}") from None
    if not isinstance(head, dict) or set(head) != {"v", "b"} or not isinstance(head["b"], list):
        raise ProtocolError("malformed message head")
    sizes = head["b"]
    if not all(type(n) is int and n >= 0 for n in sizes):
        raise ProtocolError("malformed buffer table")
    if sum(sizes) != len(body) - 8 - head_len:
        raise ProtocolError("buffer table does not match the message size")
    buffers, offset = [], 8 + head_len
    for n in sizes:
        buffers.append(body[offset : offset + n])
        offset += n
    return _from_tree(head["v"], buffers, 0)


def _refuse_constant(name):
    raise ProtocolError(f"bare {name} in a message")


def _to_tree(value, buffers, depth):
    if depth > MAX_DEPTH:
        raise ProtocolError("value nested too deeply")
    kind = type(value)
    if value is None or kind is bool or kind is str:
        return value
    if kind is int:
        if value.bit_length() > MAX_INT_BITS:
            raise ProtocolError("integer too large to send")
        return {"int": str(value)}
    if kind is float:
        if math.isfinite(value):
            return value
        return {"float": repr(value)}  # 'nan', 'inf', '-inf'
    if kind is bytes:
        buffers.append(value)
        return {"bytes": len(buffers) - 1}
    if kind is list:
        return [_to_tree(v, buffers, depth + 1) for v in value]
    if kind is tuple:
        return {"tuple": [_to_tree(v, buffers, depth + 1) for v in value]}
    if kind is dict:
        if not all(type(k) is str for k in value):
            raise ProtocolError("dict keys must be strings")
        return {"dict": {k: _to_tree(v, buffers, depth + 1) for k, v in value.items()}}
    if _is_plain_tensor(value):
        return _tensor_to_tree(value, buffers)
    raise ProtocolError(f"cannot send a value of type {kind.__module__}.{kind.__qualname__}")


def _is_plain_tensor(value) -> bool:
    """Exactly torch.Tensor (no subclass); torch is not imported here just to say no."""
    torch = sys.modules.get("torch")
    return torch is not None and type(value) is torch.Tensor


def _tensor_to_tree(tensor, buffers):
    import torch

    if tensor.layout != torch.strided or tensor.device.type != "cpu" or tensor.is_quantized:
        raise ProtocolError("only dense CPU tensors can be sent")
    dtype = str(tensor.dtype).removeprefix("torch.")
    if dtype not in TENSOR_DTYPES:
        raise ProtocolError(f"tensors of dtype {dtype} cannot be sent")
    flat = tensor.detach().contiguous().reshape(-1)
    if dtype == "bool":
        flat = flat.to(torch.uint8)
    buffers.append(flat.view(torch.uint8).numpy().tobytes() if flat.numel() else b"")
    return {"tensor": len(buffers) - 1, "dtype": dtype, "shape": list(tensor.shape)}


def _from_tree(node, buffers, depth):
    if depth > MAX_DEPTH:
        raise ProtocolError("value nested too deeply")
    if node is None or type(node) in (bool, str, float):
        return node
    if type(node) is int:
        raise ProtocolError("bare JSON integer in a message")
    if type(node) is list:
        return [_from_tree(v, buffers, depth + 1) for v in node]
    if type(node) is not dict or len(node) not in (1, 3):
        raise ProtocolError("malformed value")
    if "int" in node and len(node) == 1:
        text = node["int"]
        if type(text) is not str or len(text) > 1300:
            raise ProtocolError("malformed int")
        try:
            return int(text)
        except ValueError:
            raise ProtocolError("malformed int") from None
    if "float" in node and len(node) == 1:
        if node["float"] not in ("nan", "inf", "-inf"):
            raise ProtocolError("malformed float")
        return float(node["float"])
    if "bytes" in node and len(node) == 1:
        return bytes(_buffer(buffers, node["bytes"]))
    if "tuple" in node and len(node) == 1 and type(node["tuple"]) is list:
        return tuple(_from_tree(v, buffers, depth + 1) for v in node["tuple"])
    if "dict" in node and len(node) == 1 and type(node["dict"]) is dict:
        return {str(k): _from_tree(v, buffers, depth + 1) for k, v in node["dict"].items()}
    if set(node) == {"tensor", "dtype", "shape"}:
        return _tensor_from_tree(node, buffers)
    raise ProtocolError("malformed value")


def _buffer(buffers, index):
    if type(index) is not int or not 0 <= index < len(buffers):
        raise ProtocolError("bad buffer reference")
    return buffers[index]


def _tensor_from_tree(node, buffers):
    import torch

    dtype_name, shape = node["dtype"], node["shape"]
    if type(dtype_name) is not str or dtype_name not in TENSOR_DTYPES:
        raise ProtocolError(f"tensor dtype {dtype_name!r} is not allowed")
    if (
        type(shape) is not list
        or len(shape) > MAX_DIMS
        or not all(type(n) is int and 0 <= n <= MAX_ELEMENTS for n in shape)
    ):
        raise ProtocolError("malformed tensor shape")
    raw = _buffer(buffers, node["tensor"])
    numel = math.prod(shape)
    if numel * TENSOR_DTYPES[dtype_name] != len(raw):
        raise ProtocolError("tensor buffer does not match its shape and dtype")
    dtype = getattr(torch, dtype_name)
    if numel == 0:
        return torch.empty(shape, dtype=dtype)
    flat = torch.frombuffer(bytearray(raw), dtype=torch.uint8)
    if dtype is torch.bool:
        return (flat != 0).reshape(shape)
    return flat.view(dtype).reshape(shape).clone()
