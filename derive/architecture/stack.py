"""The layers of a convolution stack, as a givens file writes them.

`{"kernel": 11, "stride": 4, "padding": 2, "dilation": 1}`, with padding 0 and
dilation 1 unless given, plus `out_channels` or `"pool": true` for the layer
arithmetic of `conv-arithmetic`: one reader for the receptive fields and the
sizes, so that one stack file serves both.
"""
from __future__ import annotations

from derive.core.numbers import InputError, json_type

#: The largest size accepted: beyond it no image, kernel or stride of a course problem lies.
MAXIMUM = 10**6

#: field → (smallest value, default); a field with default None is required
FIELDS = {"kernel": (1, None), "stride": (1, None), "padding": (0, 0), "dilation": (1, 1)}
#: fields a layer of `conv-arithmetic` also carries; they do not change receptive fields, so one
#: stack file serves both problems
OPTIONAL = ("out_channels", "pool")


def read_layers(layers, where: str = "layers") -> list[dict]:
    """Validated layers with defaults filled in; errors name the layer and field."""
    if not isinstance(layers, list) or not layers:
        raise InputError(f"{where}: expected a non-empty list of layers, got {json_type(layers)}")
    result = []
    for index, layer in enumerate(layers):
        at = f"{where}[{index}]"
        if not isinstance(layer, dict):
            raise InputError(f"{at}: expected an object with kernel and stride, got {json_type(layer)}")
        unknown = sorted(set(layer) - set(FIELDS) - set(OPTIONAL), key=str)
        if unknown:
            raise InputError(f"{at}: unknown field {unknown[0]!r}; expected {', '.join((*FIELDS, *OPTIONAL))}")
        record = {}
        for name, (least, default) in FIELDS.items():
            if name not in layer and default is None:
                raise InputError(f"{at}.{name}: missing")
            value = layer.get(name, default)
            if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= MAXIMUM:
                shown = repr(value) if isinstance(value, (int, float)) else json_type(value)
                raise InputError(f"{at}.{name}: expected an integer from {least} to {MAXIMUM}, got {shown}")
            record[name] = value
        record.update(_optional_fields(layer, at))
        result.append(record)
    return result


def _optional_fields(layer: dict, at: str) -> dict:
    record = {}
    if "out_channels" in layer:
        value = layer["out_channels"]
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            shown = repr(value) if isinstance(value, (int, float)) else json_type(value)
            raise InputError(f"{at}.out_channels: expected an integer ≥ 1, got {shown}")
        record["out_channels"] = value
    if "pool" in layer:
        if not isinstance(layer["pool"], bool):
            raise InputError(f"{at}.pool: expected true or false, got {layer['pool']!r}")
        record["pool"] = layer["pool"]
    return record
