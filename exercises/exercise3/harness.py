"""exercise3's harness: builds a probed MLP, calls the student's predict, reports what it saw.

Runs in the sandbox child beside the student's module. The model and each of its Linear layers
carry two probes: a forward pre-hook that reads grad mode as that module's forward starts, and a
forward hook that reads whether its output has a graph behind it (probing every layer, not only
the model, means a forward wrapped to switch grad mode back on inside is seen). The harness also
reads grad mode after the call, the returned tensor's grad_fn and the model's training flag.
Every reading goes through functions and C-level descriptors held in default arguments, bound
when the zygote imported this module before any student code ran (reassigning defaults is
refused in the child), so patching ``torch.is_grad_enabled``, ``Tensor.grad_fn`` or this module
changes none of them. The readings are untrusted records all the same: the trusted side
recomputes the values and judges the records (``support.py``), a record that is missing fails,
and none of them counts unless the values are right. Code that rewrites the hooks themselves, or
each layer's forward, can still forge them: far more work than torch.no_grad().
"""

import torch

from grader.harness import as_tensor, entry

_GRAD_ENABLED = torch._C.is_grad_enabled
_SET_GRAD_ENABLED = torch._C._set_grad_enabled
_GRAD_FN = torch._C.TensorBase.grad_fn.__get__
_REQUIRES_GRAD = torch._C.TensorBase.requires_grad.__get__


def build_model(layers: list) -> torch.nn.Sequential:
    """The MLP a spec describes: Linear layers from ``[{"W": ..., "b": ...}, ...]``, tanh between."""
    modules = []
    for i, layer in enumerate(layers):
        out_features, in_features = layer["W"].shape
        linear = torch.nn.Linear(in_features, out_features, dtype=layer["W"].dtype)
        with torch.no_grad():
            linear.weight.copy_(layer["W"])
            linear.bias.copy_(layer["b"])
        modules.append(linear)
        if i < len(layers) - 1:
            modules.append(torch.nn.Tanh())
    return torch.nn.Sequential(*modules)


def has_graph(value, _grad_fn=_GRAD_FN, _requires_grad=_REQUIRES_GRAD) -> bool:
    """Is ``value`` a tensor with a graph behind it (a grad_fn, or requiring grad)?"""
    return type(value) is torch.Tensor and (_grad_fn(value) is not None or bool(_requires_grad(value)))


def probe(model: torch.nn.Module, modes: list, graphs: list, _enabled=_GRAD_ENABLED, _graph=has_graph) -> None:
    """Hook the model and each of its Linear layers: grad mode as each forward starts, into
    ``modes``; whether each output has a graph, into ``graphs``."""
    for module in [model, *(m for m in model.modules() if type(m) is torch.nn.Linear)]:
        module.register_forward_pre_hook(lambda module, args: modes.append(bool(_enabled())))
        module.register_forward_hook(lambda module, args, output: graphs.append(_graph(output)))


@entry
def predict(student, layers: list, x, _build=build_model, _probe=probe, _graph=has_graph,
            _enabled=_GRAD_ENABLED, _set_enabled=_SET_GRAD_ENABLED, _as_tensor=as_tensor) -> dict:
    """Call the student's predict(model, x) with grad mode on, as a caller would."""
    model = _build(layers)
    modes, graphs = [], []
    _probe(model, modes, graphs)
    _set_enabled(True)
    output = student.predict(model, x.clone())
    mode_after = bool(_enabled())
    return {
        "output": _as_tensor(output),
        "output_has_graph": _graph(output),
        "forward_grad_modes": list(modes),
        "forward_graphs": list(graphs),
        "grad_mode_after": mode_after,
        "training": model.training is True,
    }
