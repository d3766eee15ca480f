"""exercise3's harness: builds a probed MLP, calls the student's predict, reports what it saw.

Runs in the sandbox child beside the student's module. The model carries two probes: a forward
pre-hook that reads grad mode as the forward starts, and a forward hook that reads whether the
forward's output has a graph behind it. The harness also reads grad mode after the call, the
returned tensor's grad_fn and the model's training flag. Every reading goes through functions
and C-level descriptors captured when the zygote imported this module, before any student code
ran, so patching ``torch.is_grad_enabled`` or ``Tensor.grad_fn`` changes none of them. The
readings are untrusted records all the same: the trusted side recomputes the values and judges
the records (``support.py``), and a record that is missing fails.
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


def has_graph(value) -> bool:
    """Is ``value`` a tensor with a graph behind it (a grad_fn, or requiring grad)?"""
    return type(value) is torch.Tensor and (_GRAD_FN(value) is not None or bool(_REQUIRES_GRAD(value)))


@entry
def predict(student, layers: list, x) -> dict:
    """Call the student's predict(model, x) with grad mode on, as a caller would."""
    model = build_model(layers)
    modes, graphs = [], []
    model.register_forward_pre_hook(lambda module, args, _enabled=_GRAD_ENABLED: modes.append(bool(_enabled())))
    model.register_forward_hook(lambda module, args, output, _graph=has_graph: graphs.append(_graph(output)))
    _SET_GRAD_ENABLED(True)
    output = student.predict(model, x.clone())
    mode_after = bool(_GRAD_ENABLED())
    return {
        "output": as_tensor(output),
        "output_has_graph": has_graph(output),
        "forward_grad_modes": list(modes),
        "forward_graphs": list(graphs),
        "grad_mode_after": mode_after,
        "training": model.training is True,
    }
