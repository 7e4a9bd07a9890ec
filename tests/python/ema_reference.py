"""The exponential moving average of a sequence of weights, written from its
definition: `ema_reference.py STEPS.json` reads {"decay", "warmup", "weights":
[w0, w1, ...]} (w0 the weights before the first optimizer step) and prints
{"decays": [...], "flat": [...]}: the decay of each update and the average
after the last, flattened.

average_0 = w0; after step n (from 0): d_n = decay, or with warmup
min(decay, (1 + n) / (10 + n)) (TensorFlow's ExponentialMovingAverage with
num_updates); average_{n+1} = d_n * average_n + (1 - d_n) * w_{n+1}.
"""
import json
import sys


def flatten(value):
    if isinstance(value, list):
        return [x for item in value for x in flatten(item)]
    return [float(value)]


def main(path):
    spec = json.load(open(path))
    weights = [flatten(w) for w in spec["weights"]]
    average = list(weights[0])
    decays = []
    for n, w in enumerate(weights[1:]):
        d = min(spec["decay"], (1.0 + n) / (10.0 + n)) if spec["warmup"] else spec["decay"]
        decays.append(d)
        average = [d * a + (1.0 - d) * x for a, x in zip(average, w)]
    json.dump({"decays": decays, "flat": average}, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
