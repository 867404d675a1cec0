"""The figures a question may ask for: one vocabulary of quantities and metrics.

Three readers share it: `rag.query` (does the question ask for a figure?), and `rag.answer.figure` (does the
best abstract name the metric asked for, and which figure does a refusal say is missing?).
"""

from __future__ import annotations

import re

__all__ = ["ASKED_FIGURE", "FIGURE", "FIGURE_FILLER", "IN_UNITS", "METRIC_FORMS", "QUANTITY", "UNIT_APART", "UNIT_STOP"]

# Metrics a figure question may ask for, with the forms an abstract that states one writes it in (prefixes of
# words). An abstract that never names the metric asked for doesn't state it, whatever other numbers it gives
# ('what precision did the best matcher reach' of an abstract that counts names and variants).
METRIC_FORMS = {
    "accuracy": ("accura",), "accuracies": ("accura",), "precision": ("precision",), "recall": ("recall",),
    "f1": ("f1", "f-1", "f-score", "f-measure", "f score", "f measure"), "bleu": ("bleu",),
    "auc": ("auc", "area under"), "auroc": ("auroc", "auc", "area under"), "auprc": ("auprc", "auc", "area under"), "wer": ("wer", "word error"), "perplexity": ("perplexit",),
    "rouge": ("rouge",), "meteor": ("meteor",), "chrf": ("chrf",), "psnr": ("psnr",), "ssim": ("ssim",),
    "lpips": ("lpips",), "fid": ("fid", "fréchet", "frechet"), "iou": ("iou", "intersection over"),
    "miou": ("miou", "iou", "intersection over"), "mrr": ("mrr", "reciprocal rank"), "ndcg": ("ndcg",),
    "latency": ("latenc",), "throughput": ("throughput",), "mae": ("mae", "mean absolute error"),
    "rmse": ("rmse", "root mean square", "root-mean-square"), "mse": ("mse", "mean squared error", "mean square error"),
    "mape": ("mape", "mean absolute percentage"), "pck": ("pck", "percentage of correct keypoints"),
    "correlation": ("correlat",),
}

# Quantity words and metrics as a question names them (a regex alternation; the longer of two forms sharing
# a start comes first, so a match names the whole figure: 'error rate', not 'error'). Every metric of
# METRIC_FORMS is one (tests/test_query.py checks it).
QUANTITY = (r"(?:accuracy|accuracies|ap|(?-i:mAP|MAP)|ratios?|speed-?ups?|share|fraction|percentage|proportion|scores?|"
            r"improvements?|gains?|error rates?|errors?|rates?|reductions?|numbers?|sizes?|costs?|prices?|counts?|exponents?|durations?|"
            r"flops|latency|throughput|perplexity|bleu|f1|auroc|auprc|auc|wer|psnr|ssim|lpips|fid|rouge(?:-\w+)?|meteor|chrf|"
            r"cer|eer|mrr|ndcg|m?iou|mae|rmse|mse|mape|pck|correlation|recall|precision|runtime|epochs|iterations|hyper-?parameters?|batch size|"
            r"learning rate|parameters|gpu[- ](?:hours|days)|dollars|budget|"
            # metrics named in words ('what mean reciprocal rank does …', 'what area under the curve …')
            r"reciprocal rank|area under (?:the )?(?:roc |pr )?curve|intersection over union|f-?scores?|"
            r"f-?measures?|exact match|inter-?annotator agreement|kappa)")

# The figure a question asks for, for a refusal that names it ('the word error rate', 'the box AP'): the
# quantity right after the question's interrogative, with up to two words before it and a noun it heads
# ('what top-1 accuracy', 'how many GPU hours', 'how large were the AP gains', 'what BLEU score') ...
ASKED_FIGURE = re.compile(
    r"\b(?:what|which|how (?:many|much|large|big|high|low|fast|long|well)|by (?:how (?:many|much)|what))\s+"
    r"(?:(?:is|are|was|were|did|does|do)\s+)?(?:(?:the|its|their)\s+)?"
    r"((?:[\w-]+\s+){0,2}?(?:" + QUANTITY + r"|factor|margin)(?:\s+(?:scores?|improvements?|gains?|points|rates?))?)\b",
    re.I)
# ... or, failing that, the first of these (a narrower list: words a refusal can name without its context),
# with up to two words before it.
FIGURE = re.compile(r"\b(?<!['’])((?:[a-z-]+ ){0,2}(?:error rates?|rate|ratio|accuracy|speed-?up|share|fraction|percentage|"
                    r"proportion|score|improvement|gain|error|reduction|size|cost|price|iterations|epochs|number|factor|"
                    r"margin|hyper-?parameters?|precision|recall|f1|bleu|auroc|auprc|auc|wer|perplexity|rouge(?:-\w+)?|psnr|ssim|"
                    r"fid|m?iou|mrr|ndcg|latency|throughput|runtime|running time))\b", re.I)

# Words of a figure question that say nothing about which figure ("how much … does X get / report").
FIGURE_FILLER = frozenset("much many get gets got reach reached reaches report reports reported achieve achieves "
                          "achieved obtain obtains obtained give gives given number figure exactly exact precise come comes came "
                          # verbs of reporting, and superlatives, which pick the figure an abstract gives as 'up to'
                          # or 'best' ('the largest accuracy margin it claims')
                          "claim claims claimed state states stated say says said largest biggest highest greatest "
                          "maximum best lowest smallest least minimum "
                          # a chat's asides and light verbs ('ok, and how much did latency go down?'), a citation's
                          # 'et al.'
                          "ok okay go goes went gone et al".split())

# Words that end the unit a 'how many' question counts ('how many layers does it have' counts layers; `rag.query.count_unit`,
# `rag.answer.figure.HOW_MANY_OF`)
UNIT_STOP = frozenset("did does do is are was were has have had can could will would should they it its their we you "
                      "there about per in on of for to at with from by that which and or how where when whose who "
                      # a comparison ends the unit ('how many of those above grandmaster?' counts those, not 'above')
                      "above below over under beyond than".split())

# A unit of measurement a question asks its figure in ('the largest model, in parameters', 'the cost in GPU days',
# 'latency in milliseconds'): in a question that opens with 'what' or 'which', it asks for an amount.
UNITS = (r"(?:GPU[- ]|TPU[- ])?(?:(?:milli|micro)?seconds|ms|minutes|hours|days|weeks|parameters|params|[KMGT]i?B|"
         r"(?:kilo|mega|giga|tera)bytes|bytes|dollars|USD|euros|(?:milli|kilo|mega)?(?:watts|joules)|kWh|FLOPs)\b")
IN_UNITS = re.compile(r"\bin\s+(?:terms\s+of\s+)?" + UNITS, re.I)
# ... and, whatever the question opens with, where the unit stands apart: in brackets ('training time per scene
# (minutes)') or set off at the question's end ('Is it faster to train, measured in GPU hours?')
UNIT_APART = re.compile(r"\(\s*(?:in\s+)?" + UNITS + r"\s*\)|(?:,|\s[-–—:])\s*(?:(?:measured|expressed|given|reported|"
                        r"counted|stated)\s+)?in\s+" + UNITS + r"(?:,?\s*please)?\s*[?.!]*\s*$|"
                        # or after a possessive noun phrase opening the question ("GENRE's memory footprint in gigabytes,
                        # compared with …?")
                        r"^\W*[\w-]+['’]s\s+(?:[\w-]+\s+){1,3}in\s+" + UNITS, re.I)
