"""Second learner's bodies for scratchdl/autograd.py (chapter 9).

unbroadcast with one sum over every stretched axis, Sum's backward by reshaping to the
kept-dims shape, an explicit-stack (iterative) topological order, and a backward pass that
accumulates in a dictionary keyed by node identity before storing the gradients.
"""

import numpy as np


def unbroadcast(grad, shape):
    # every stretched axis (leading extras, and size-1 axes of shape) in one keepdims sum,
    # then a reshape drops the leading ones
    grad = np.asarray(grad)
    shape = tuple(shape)
    extra = grad.ndim - len(shape)
    stretched = [axis for axis in range(extra)]
    stretched += [extra + i for i, size in enumerate(shape)
                  if size == 1 and grad.shape[extra + i] != 1]
    if stretched:
        grad = grad.sum(axis=tuple(stretched), keepdims=True)
    return grad.reshape(shape)


class Mul:
    def backward(self, grad):
        # each side gets grad times the other side
        return np.multiply(grad, self.b), np.multiply(grad, self.a)


class MatMul:
    def backward(self, grad):
        # both products as einsums over the shared index
        grad_a = np.einsum("nm,km->nk", grad, self.b, optimize=True)
        grad_b = np.einsum("nk,nm->km", self.a, grad, optimize=True)
        return grad_a, grad_b


class Sum:
    def backward(self, grad):
        # reshape to the input's shape with 1 on each summed axis (works for either
        # keepdims), then broadcast along those axes
        kept = tuple(1 if axis in self.axes else size for axis, size in enumerate(self.shape))
        return (np.broadcast_to(np.reshape(grad, kept), self.shape),)


class Exp:
    def backward(self, grad):
        # exp is its own derivative, already computed by forward
        return (np.multiply(self.out, grad),)


class ReLU:
    def backward(self, grad):
        # pass grad where the input was positive, 0 elsewhere
        return (np.where(self.a > 0, grad, np.zeros_like(grad)),)


def topological_order(root):
    # iterative depth-first search with an explicit stack of (node, inputs_done) pairs;
    # a node is appended once all of its inputs have been appended
    order, seen = [], set()
    stack = [(root, False)]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        for parent in reversed(node.inputs):
            if id(parent) not in seen:
                stack.append((parent, False))
    return order


class Tensor:
    def backward(self):
        # gradients accumulate in a dict keyed by id(node), then land in every node's .grad
        order = topological_order(self)
        acc = {id(node): np.zeros_like(node.data) for node in order}
        acc[id(self)] = np.ones_like(self.data)
        for node in reversed(order):
            if node.op is None:
                continue
            for source, g in zip(node.inputs, node.op.backward(acc[id(node)])):
                acc[id(source)] += unbroadcast(g, source.data.shape)
        for node in order:
            node.grad = acc[id(node)]
