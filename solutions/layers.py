"""Reference bodies for scratchdl/layers.py (chapters 3 and 5)."""


class Dense:
    def forward(self, x):
        self.x = x
        return x @ self.params["W"] + self.params["b"]

    def backward(self, grad_out):
        self.grads["W"] = self.x.T @ grad_out
        self.grads["b"] = grad_out.sum(axis=0)
        return grad_out @ self.params["W"].T


class Activation:
    def backward(self, grad_out):
        return grad_out * self.g_prime(self.z)
