"""The course's problems: every problem of ../shared/CATALOG.md, in its order,
and the families they instantiate.

One module per problem, named after it (`lstm-forward` → `lstm_forward`),
each declaring one `PROBLEM` (see `derive.catalog.Problem`). `catalog()` is
the entry point through which this package registers with derive
(`pyproject.toml`, group `derive.problems`).
"""
from __future__ import annotations

import importlib

S0 = "000_dadb9bc4493f1bcf.txt"
S1 = "001_a2d52afd229cfba6.txt"
S2 = "002_a7ea9fa3bc632778.txt"
S3 = "003_6d8e30277fdd3ea4.txt"
S4 = "004_9120f22011aafff0.txt"

#: Catalog order: the seeds' problems, then the families that are problems of
#: their own (`derive solve mlp --given …`); `receptive-field` is both.
MODULES = (
    "rnn_gradient_scale", "lstm_zero_input", "lstm_forward", "kl_gaussian", "gan_optimal_discriminator",
    "hamming_network", "boolean_network", "jacobian_chain", "mlp_backprop_step", "conv_backprop_identities",
    "cnn_backprop_example", "cnn_as_mlp", "conv_net_backprop", "conv_layer_arithmetic", "receptive_field",
    "optimizer_updates", "quadratic_gd_early_stopping", "lstm_cell_gradient", "rnn_jacobian", "bptt",
    "gan_forward_backward", "autoencoder_backprop", "elbo_derivation",
    "activation_derivatives", "relu_abs", "mae_backprop", "skip_connections", "moving_average_filter", "text_cnn",
    "rnn_mlp_params", "least_squares_gd", "model_averaging", "gcn_normalization", "vae_gaussian_decoder",
    "reparameterization", "f_divergence", "gan_kl_identities",
    "minmax_relu_network", "residual_backprop", "ppca_posterior", "ppca_em",
    "mlp", "lstm", "cnn", "gan", "kl", "conv_arithmetic",
)


def catalog() -> list:
    """Every problem of this package, in catalog order (derive's entry point)."""
    return [importlib.import_module(f"{__name__}.{module}").PROBLEM for module in MODULES]
