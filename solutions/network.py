"""Reference bodies for scratchdl/network.py (chapters 3 and 5)."""


class Network:
    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def backward(self, grad_out):
        for layer in reversed(self.layers):
            grad_out = layer.backward(grad_out)
        return grad_out
