"""The catalog: every problem of ../shared/CATALOG.md, in its order.

One module per problem, named after it (`lstm-forward` → `lstm_forward`).
`available()` lists the problems whose module exists, so that `derive list`
never offers a problem it cannot solve.
"""
from __future__ import annotations

import importlib.util

from derive.catalog import Entry

S0 = "000_dadb9bc4493f1bcf.txt"
S1 = "001_a2d52afd229cfba6.txt"
S2 = "002_a7ea9fa3bc632778.txt"
S3 = "003_6d8e30277fdd3ea4.txt"
S4 = "004_9120f22011aafff0.txt"

# name, title, source, family
CATALOG = [
    ("rnn-gradient-scale", "Scaling a scalar RNN so its gradient neither vanishes nor explodes", f"{S0}, Problem 1", None),
    ("lstm-zero-input", "An LSTM with zero input: four true/false claims", f"{S0}, Problem 2", None),
    ("lstm-forward", "Forward pass of a scalar-state LSTM over two steps", f"{S0}, Problem 3", "lstm"),
    ("kl-gaussian", "KL divergence between two univariate Gaussians", f"{S0}, Problem 4(a)", "kl"),
    ("gan-optimal-discriminator", "The optimal GAN discriminator", f"{S0}, Problem 5(b,d); {S1} §15.1.3", None),
    ("hamming-network", "Hamming parity bits as a threshold network", f"{S1}, §1", None),
    ("boolean-network", "A Boolean function as a one-hidden-layer step network", f"{S1}, §2", None),
    ("jacobian-chain", "Jacobian of a composition by the chain rule", f"{S1}, §3", None),
    ("mlp-backprop-step", "One backpropagation step in a 2-2-1 sigmoid network", f"{S1}, §4", "mlp"),
    ("conv-backprop-identities", "Backpropagation through a convolution: the two identities", f"{S1}, §5", None),
    ("cnn-backprop-example", "Backpropagation through convolution, max-pool and MSE", f"{S1}, §6", "cnn"),
    ("cnn-as-mlp", "A convolution as one matrix product", f"{S1}, §7", None),
    ("conv-net-backprop", "Gradient of a small conv–dense network with respect to a filter weight", f"{S1}, §8", None),
    ("conv-layer-arithmetic", "Kernel size, parameters and multiplications of a convolutional layer", f"{S1}, §9", "conv-arithmetic"),
    ("receptive-field", "Receptive field of the n-th convolutional layer", f"{S1}, §10", "receptive-field"),
    ("optimizer-updates", "Momentum, Nesterov, Adagrad and Adam updates", f"{S1}, §11", None),
    ("quadratic-gd-early-stopping", "Gradient descent on a quadratic and early stopping", f"{S1}, §12", None),
    ("lstm-cell-gradient", "Gradient of the LSTM cell state through time", f"{S1}, §13", None),
    ("rnn-jacobian", "The Jacobian of an RNN step", f"{S1}, §14.1", None),
    ("bptt", "Backpropagation through time for a vanilla RNN", f"{S1}, §14.2", None),
    ("gan-forward-backward", "Forward and backward pass of a small GAN", f"{S2}, Problem 1", "gan"),
    ("autoencoder-backprop", "Backpropagation through an autoencoder", f"{S2}, Problem 2", None),
    ("elbo-derivation", "The evidence lower bound", f"{S2}, Problem 3", None),
    ("activation-derivatives", "Derivatives of ReLU, ELU and softplus", f"{S3}, 1.1(a)", None),
    ("relu-abs", "Absolute values as ReLU networks", f"{S3}, 1.1(b,c)", None),
    ("mae-backprop", "Backpropagation with a mean-absolute-error loss", f"{S3}, 1.4", None),
    ("skip-connections", "Gradients through skip connections", f"{S3}, 1.5", None),
    ("moving-average-filter", "A moving-average filter", f"{S3}, 2.1", None),
    ("text-cnn", "Parameters and output size of a text CNN", f"{S3}, 2.2", None),
    ("rnn-mlp-params", "Parameter counts of an MLP and an RNN", f"{S3}, 2.3(b)", None),
    ("least-squares-gd", "Gradient descent for least squares", f"{S3}, 3.3", None),
    ("model-averaging", "Model averaging and a PAC-Bayes bound", f"{S3}, 3.4", None),
    ("gcn-normalization", "Symmetric normalisation of a graph's adjacency", f"{S3}, 4.1", None),
    ("vae-gaussian-decoder", "Expected log-likelihood of a Gaussian VAE decoder", f"{S3}, 4.2(i)", None),
    ("reparameterization", "The reparameterization gradient", f"{S3}, 4.2(ii)", None),
    ("f-divergence", "Properties of f-divergences", f"{S3}, 4.3(i,ii)", None),
    ("gan-kl-identities", "KL identities of the GAN generator objective", f"{S3}, 4.4", None),
    ("minmax-relu-network", "min and max as ReLU networks", f"{S4}, B1(a)", None),
    ("residual-backprop", "Backpropagation through a residual block", f"{S4}, B1(b)", None),
    ("ppca-posterior", "Probabilistic PCA: marginal and posterior", f"{S4}, probabilistic PCA", None),
    ("ppca-em", "Probabilistic PCA: the EM update", f"{S4}, M-step", None),
]

# Families that are problems of their own (`derive solve mlp --given …`).
# `receptive-field` is both a named problem and a family, listed once above.
FAMILIES = [
    ("mlp", "Family: forward and backward pass of a multilayer perceptron", "family", "mlp"),
    ("lstm", "Family: forward pass of an LSTM, and gradients by BPTT", "family", "lstm"),
    ("cnn", "Family: convolution, pooling and backpropagation", "family", "cnn"),
    ("gan", "Family: forward and backward pass of a GAN", "family", "gan"),
    ("kl", "Family: KL divergence between two distributions", "family", "kl"),
    ("conv-arithmetic", "Family: convolutional layer arithmetic", "family", "conv-arithmetic"),
]


def module_name(name: str) -> str:
    return f"problems.{name.replace('-', '_')}"


def available() -> list[Entry]:
    rows = [Entry(name, title, source, family, module_name(name))
            for name, title, source, family in CATALOG + FAMILIES]
    return [row for row in rows if importlib.util.find_spec(row.module) is not None]


def entry(name: str) -> Entry:
    """The catalog row of `name` (for a problem module's title and source)."""
    for row_name, title, source, family in CATALOG + FAMILIES:
        if row_name == name:
            return Entry(row_name, title, source, family, module_name(row_name))
    raise KeyError(name)
