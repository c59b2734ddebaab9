"""Reference bodies for scratchdl/autograd.py (chapter 9)."""

import numpy as np


def unbroadcast(grad, shape):
    if grad.shape == tuple(shape):
        return grad  # nothing was broadcast
    extra = grad.ndim - len(shape)  # leading axes that broadcasting added
    grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, size in enumerate(shape) if size == 1 and grad.shape[i] != 1)
    return grad.sum(axis=stretched, keepdims=True)


class Mul:
    def backward(self, grad):
        return grad * self.b, grad * self.a


class MatMul:
    def backward(self, grad):
        return grad @ self.b.T, self.a.T @ grad


class Sum:
    def backward(self, grad):
        if not self.keepdims:
            grad = np.expand_dims(grad, self.axes)  # the summed axes come back, with size 1
        return (np.broadcast_to(grad, self.shape),)


class Exp:
    def backward(self, grad):
        return (grad * self.out,)


class ReLU:
    def backward(self, grad):
        return (grad * (self.a > 0),)


def topological_order(root):
    order, placed = [], set()

    def place(node):
        if node not in placed:
            placed.add(node)
            for inp in node.inputs:
                place(inp)
            order.append(node)  # after all of its inputs

    place(root)
    return order


class Tensor:
    def backward(self):
        # The public functions, which follow the learner/reference switch. (Imported here because
        # this file defines its own unbroadcast and topological_order; in scratchdl/autograd.py
        # the line does nothing, so the body can be pasted there as it is.)
        from scratchdl.autograd import topological_order, unbroadcast

        order = topological_order(self)
        for node in order:
            node.grad = np.zeros_like(node.data)
        self.grad = np.ones_like(self.data)
        for node in reversed(order):  # from the output back to the leaves
            if node.op is None:
                continue  # a leaf: nothing to pass on
            for inp, g in zip(node.inputs, node.op.backward(node.grad)):
                inp.grad += unbroadcast(g, inp.data.shape)
