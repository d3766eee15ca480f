"""exercise6's harness: runs in the sandboxed child, under the no-autograd guard.

It hands the student's mlp_backward copies of the inputs (no requires_grad: the guard's first
layer) and turns the returned dict into plain tensors. Everything it returns is untrusted: the
trusted side checks names, shapes and values against torch.autograd.
"""

from grader.harness import NotPlainData, as_tensor, describe_type, entry

PARAMETERS = ("W1", "b1", "W2", "b2", "W3", "b3")


@entry
def gradients(student, x, t, params):
    """The student's gradients as {name: tensor}; names it did not return are left out."""
    handed = {name: params[name].clone() for name in PARAMETERS}
    result = student.mlp_backward(x.clone(), t.clone(), handed)
    if type(result) is not dict:
        raise NotPlainData(f"returned a {describe_type(result)}, expected a dict of gradients "
                           f"with the keys {', '.join(PARAMETERS)}")
    grads = {}
    for name in PARAMETERS:
        if name in result:
            try:
                grads[name] = as_tensor(result[name])
            except NotPlainData as error:
                raise NotPlainData(f"returned {name}: {error}") from None
    return grads
