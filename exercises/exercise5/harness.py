"""exercise5's harness: runs in the sandboxed child, under the no-autograd guard.

It hands the student's neuron_grads copies of x and t (no requires_grad: the guard's first layer)
and the numbers w and b, and turns the returned pair into plain numbers. Everything it returns
is untrusted: the trusted side compares the numbers with torch.autograd's.
"""

from grader.harness import NotPlainData, as_number, describe_type, entry


@entry
def neuron_grads(student, x, t, w: float, b: float) -> dict:
    """The student's (dL/dw, dL/db) as floats, and what kind of number each was."""
    result = student.neuron_grads(x.clone(), t.clone(), float(w), float(b))
    if type(result) not in (tuple, list) or len(result) != 2:
        raise NotPlainData(f"returned a {describe_type(result)}, expected a pair (dL/dw, dL/db) of floats")
    answers = []
    for name, value in zip(("dL/dw", "dL/db"), result):
        try:
            answers.append(as_number(value))
        except NotPlainData as error:
            raise NotPlainData(f"{error} as {name}") from None
    return {"dw": float(answers[0][0]), "db": float(answers[1][0]), "kinds": [kind for _, kind in answers]}
