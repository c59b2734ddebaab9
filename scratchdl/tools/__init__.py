"""What you use but do not write: datasets and the MNIST loader, model builders, plots, the
training loop's callbacks, the live view and the diagnosis, draw-a-digit, the comparison with
PyTorch, the training budgets of chapters 7 and 8 (budget). The chapters build on these; the exercises are in the files one folder up.
"""
