"""Read the question once.

`analyse()` turns the raw question (plus the conversation) into a typed `Query`: the text to
search for (filter phrases removed), its content terms and named terms, the metadata filters,
references to earlier citations ("[2]", "the second paper", "those authors") and the detail it
asks for. Every later stage (retrieval, relevance, answer shaping, refusal) reads this object;
none of them re-parses the string.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache

from rag.chat import (
    Thread,
    cited_context,
    cited_in_last,
    previous_context,
    resolve_references,
    topic_question,
)
from rag.figures import IN_UNITS, QUANTITY, UNIT_APART, UNIT_STOP
from rag.intent import load_intent
from rag.retrieval import Filters
from rag.spelling import respell
from rag.text import content_terms, function_words_of_all, named_terms, non_english, squash, written

# Formatting hints only: they choose how an answer is worded, never which papers answer it.
# "authors of X" asks for authors unless it is the subject of another question ("what loss did the
# authors of X construct?"): then it only names the paper.
# 'who wrote' as the object of a verb names a task ('figuring out who wrote a text', 'predicting who wrote it'),
# not a question about a paper's authors
_EMBEDDED = "".join(rf"(?<!\b{v} )" for v in ("out", "determine", "determining", "identify", "identifying", "predict",
                                              "predicting", "infer", "inferring", "guess", "guessing", "tell", "telling",
                                              "detect", "detecting", "decide", "deciding", "recognise", "recognize",
                                              "recognising", "recognizing", "establish", "establishing", "attribute"))
# A full stop that ends no abbreviation ('vs.', 'e.g.', 'i.e.', 'et al.', 'cf.'): a sentence or a clause ends there
_NOT_ABBREVIATION = r"(?<!\bvs\.)(?<!\be\.g\.)(?<!\bi\.e\.)(?<!\bal\.)(?<!\bcf\.)"
AUTHOR_Q = re.compile(r"\b(who (are|were|is) the authors?|" + _EMBEDDED + r"who (co-?wrote|wrote|co-?authored|authored)|"
                      r"which (researchers?|people|authors?|scientists?|team|group) (wrote|authored|published)|"
                      r"(?<!\bdid the )(?<!\bdo the )(?<!\bhave the )(?<!\bhad the )authors? of|written by|"
                      r"who are the (researchers|people)|^(the )?authors\??$|qui a écrit|auteurs? de|"
                      # a question opening with "who" asks for people ("Who proposed X?", "who is behind X",
                      # "who developed X?"), as do "its authors" and "which team built X"; "who does X name as
                      # its users?" asks the object of X's verb ("who did the evaluation …" still asks for people)
                      r"^\W*(?:who|qui|wer)\b(?!\s+(?:does|do)\b)|^\W*whose\b|\b(?:its|their|ses|leurs|seine|ihre) (?:authors?|auteurs?|autoren)\b|"
                      r"\bwhich (?:researchers?|people|scientists?|team|group) (?:\w+ )?(?:proposed|introduced|developed|"
                      r"built|created|came|trained|designed)|"
                      # 'names of the people who studied X', 'name the people behind X', 'the team behind X'
                      r"\bname(?:s? of)? the (?:people|persons|researchers|scientists|authors?|team|group)\b|"
                      # '…, author names please', 'the authors' names?' (session 37)
                      # 'the author list of X', 'byline of X' (not 'is she on any author list / in the byline?', which
                      # asks for her papers)
                      r"\bauthors?['’]? names\b|(?<!\bon )(?<!\bin )(?<!\bon any )(?<!\bin any )(?<!\bon the )(?<!\bin the )"
                      r"(?<!\bon an )\b(?:author list|byline)\b|"
                      # 'came from which research team?', '… - authors?', 'tell me one of the researchers involved'
                      # (session 40)
                      r"\b(?:from|by) which (?:research )?(?:team|group|lab)\b|(?:[:;—–]|\s-)\s*(?:the\s+|its\s+)?authors?"
                      r"(?:\s+please)?\s*\??\s*$|\b(?:researchers|scientists|authors) (?:involved|responsible)\b|"
                      r"\b(?:name|tell me|give me|list)\s+(?:one|any|some|all) of the (?:researchers|authors|people|scientists)\b|"
                      r"\b(?:researchers|scientists|team|group) (?:(?:are|were|is|was) )?behind\b|"
                      # a question opening by asking which people: 'Which authors ported X to RNNs?'
                      r"^\W*(?:which|what) (?:authors|researchers|scientists|people)\b(?!['’])(?! (?:of|in|on|for)\b))|"
                      # 'whose' opening a clause after a colon or a dash, after a bracket too ('… (LINAC): whose work is that?')
                      r"[:;—–]\s*whose\b|"
                      # 'who' opening a later sentence or clause ('…hashing code; who are they?'), and everyone credited or
                      # listed on a paper ('For my bibliography: everyone credited on X?') (session 39)
                      # (not 'topic: who works on it?', which asks for papers)
                      r"(?:[:;—–?!]|\." + _NOT_ABBREVIATION + r")\s+(?:and |so |then )?who\s+(?:(?:are|were|is|was)\s+"
                      r"(?:they|those|these|the\s+(?:authors|people|researchers|team))|(?:co-?wrote|wrote|authored|built|developed|"
                      r"created|proposed|introduced)\s+"
                      r"(?:it|that|this|them|those|these))\b|"
                      r"\b(?:everyone|everybody|all|people|persons|names?)\s+(?:credited|listed)\b", re.I)
# A figure is asked for when the question (or a clause of it) opens with a quantity interrogative
# ("how many …", "what accuracy …", "what is the error rate …"), or is a noun phrase headed by a
# quantity ("top-1 accuracy of X on Y", "X parameter count and FLOPs"). A description that merely
# contains such words ("… by adjusting the learning rate on the fly", "certify how many predictions
# … can flip") does not ask for a figure.
# (A dash typed as "--" sets off a clause as "—" does: "GShard -- by how many BLEU points …?"; session 42.)
# A clause also starts after a comma before a conjunction and a question word ("X converges faster, but how many epochs?")
# (or after a comma before 'by how / by what' or 'what': 'In the DGL paper, by what factor …?', 'In Mamba-ND, what top-1
# accuracy …?'; not 'which', which opens relative clauses: '…, which improves accuracy')
_CLAUSE = (r"(?:^|[:;?!—–]\s*|\s--?\s+|\." + _NOT_ABBREVIATION + r"\s+|,\s+(?=(?:(?:but|and|so|yet)\s+(?:(?:after|in|on|for|with|within|at|over|across|from|"
           r"to|under)\s+)?|by\s+)(?:how|what|which)\b|how\s+(?:much|many)\b(?!\s+to\b)|what\b))")  # ', how much faster …?' (not ', how many to use')
# "what kind of error …", "which type of budget …" ask for a category, not a figure
_KIND_OF = r"(?:kinds?|types?|sorts?|forms?|variet(?:y|ies)|styles?|categor(?:y|ies)|famil(?:y|ies)|class(?:es)?) of\b"
# a quantity word naming something else: "what learning rate schedule", "which score function", "rate coding"
_MODIFIER = (r"(?!\s+(?:schedul\w*|functions?|coding|codes|analys[ie]s|landscapes?|surfaces?|warm-?ups?|decay|"
             r"polic(?:y|ies)|estimat\w*|matri(?:x|ces)|signals?|terms?|tables?|curves?|heads?|layers?|sharing|"
             r"allocation|control|limits?|constraints?|regulari[sz]\w*|models?|mechanisms?|systems?|engines?)\b)")
# 'share' as a verb, ending its clause or followed by what is shared with ('what do the two share?', 'what do they
# share with X?'), asks what two things have in common; 'what share of …' asks for a figure
_SHARE_VERB = r"(?!(?<=share)\s*(?:[?.!;:]|$|with\b|in common\b))"
# a possessive on a word before the quantity ("what is Dyn-Perceiver's CPU latency", "which model's accuracy")
_POSS = r"(?:['’]s)?"
# "which papers / studies / methods …" asks for papers, not for a figure or a name
_NOT_A_LIST = r"(?!papers?\b|stud|works?\b|methods?\b|approach|articles?\b|research)"
# a verb with its own object between 'what' and the quantity ('what trick makes the huge number of classes
# tractable?' asks for a method): only an auxiliary may stand before a determiner there ('what did the model's
# accuracy reach?')
_NO_OBJECT = (r"(?!(?!(?:is|was|are|were|do|does|did|has|have|had|can|could|will|would|should|might|may)\b)"
              r"[\w-]+ (?:the|a|an|its|their|this|that|these|those)\b)")
NUMBER_Q = re.compile(
    _CLAUSE + r"(?:(?:and|so|but|also|then|ok|okay|now),? )?(?:(?:exactly|precisely|roughly|approximately|about|just) )?(?:"
    # a preposition may lead the figure asked: 'after how many epochs', 'on how many GPUs'
    r"(?:(?:after|in|on|for|with|within|at|over|across|from|to|under) )?how (?:much|many|fast|large|big|well|accurate|long|often|frequently)|by (?:how|what (?:factor|margin|amount))\b|"
    r"(?:(?:at|with|under|after|within|to) )?"  # 'at what sampling rate …', 'to what accuracy …'
    r"(?:what|which)(?! ones?\b(?![-‐])| of\b| " + _KIND_OF + r")(?: " + _NOT_A_LIST + _NO_OBJECT + r"[\w-]+" + _POSS + r"){0,4} "  # 'which one needs …' picks
    + QUANTITY + r"\b" + _MODIFIER + _SHARE_VERB + r"|"
    r"(?:(?:what|which) (?:is|was|were|are) |what['’]s )(?:the |its |their )?(?!" + _KIND_OF + r")(?:[\w-]+" + _POSS + r" ){0,3}" + QUANTITY + r"\b"
    + _MODIFIER + r"|"
    # "top-1 accuracy of X", but not "which papers improve accuracy of X" or "methods that boost recall of X"
    r"(?!(?:which|what|list|find|show|any|papers?|methods?|approach\w*|stud\w*|works?|ways?)\b)"
    # nor 'predicting all parameters of …' (a quantifier: a set of things, not a figure's name)
    # nor 'computing the maximum number of …' (a verb taking an object: a method described, not a figure asked)
    r"(?:(?!(?:improv|boost|increas|reduc|rais|maximi|minimi|optimi|balanc|trad)\w*\b|\w+ing\s+(?:the|a|an)\b|"
    # nor 'correcting OCR errors with …' (a verb whose object is the errors: a method described)
    r"(?:correct|detect|fix|repair|spot|flag|catch|handl|avoid|prevent|mitigat|locat)(?:t|g)?(?:e|es|ed|ing|s)?\b|"
    r"identif(?:y|ies|ied|ying)\b|"
    r"(?:all|any|every|extra|additional|more|fewer|new|no)\b)[\w-]+" + _POSS + r" ){0,3}"  # ("X's top-1 accuracy on Y")
    + QUANTITY + r" (?:of|for|on|in|at|with|did|does|do|is|was)\b|"
    r"combien|quel(?:le)?s? (?:est|était|sont) (?:le|la|les) (?:taux|score|précision|nombre|coût)|"
    # a value reached, whatever it is called ('what Kendall tau does the proxy reach …?', 'what one-shot accuracy do
    # they attain …?'): a figure
    r"(?:what|which) (?!papers?\b|works?\b|methods?\b|approach\w*\b|ways?\b|kinds?\b|types?\b|sorts?\b)"
    r"(?:[\w-]+ ){1,3}(?:do|does|did) (?:[\w'’-]+ ){1,6}?(?<!\bto )(?:reach|achieve|attain|score)\b)"  # (not 'to reach')
    # a bare noun phrase ending in a quantity ("Deformable DETR parameter count and FLOPs")
    r"|^(?=(?:\S+\s+){0,7}\S+\s*\??\s*$)"  # (eight words at most: a longer description is a topic)
    r"(?!.*\b(?:what|which|who|how|why|where|that|papers?|stud(?:y|ies)|methods?|approach(?:es)?|works?)\b)"
    r".*\b" + QUANTITY + r"(?: and (?:[\w-]+ )?" + QUANTITY + r")?(?:,?\s*please)?\s*[?.!]?\s*$"
    # a change asked by its size anywhere ('made training faster by what multiple?')
    r"|\bby\s+(?:how\s+(?:much|many)|what\s+(?:factor|margin|multiple|percentage))\b"
    # a count asked inside a clause, after its preposition ('predictions from how many trained networks …?'; not
    # 'work on how many samples …', a topic, nor 'a cost that does not grow with how many tasks …', a description)
    r"|(?<!\bgrow\s)(?<!\bgrows\s)(?<!\bscale\s)(?<!\bscales\s)(?<!\bvary\s)(?<!\bvaries\s)(?<!\bdepend\s)"
    r"(?<!\bdepends\s)\b(?:after|for|with|within|over|across|from|in|to|under)\s+how\s+many\b",
    re.I,
)
# A figure asked in percent, set off at the question's end ('X's top-1 on ImageNet, in percent?'; not 'papers that
# report results in percent')
IN_PERCENT = re.compile(r"(?:,|\s[-–—:])\s*(?:in\s+(?:percent|per\s?cent|percentage\s+points?|%|numbers|figures)|"
                        r"as\s+an?\s+(?:number|figure|percentage))(?:,?\s*please)?\s*[?.!]*\s*$", re.I)  # or ', as a number?'
# A quantity word as the verb of 'what do they …', with its object after it ('what do they score similarity with?',
# 'what does it count tokens by?'): no figure (but 'what does it cost in extra training time?' and 'what does it
# score on GLUE?' ask for one)
QUANTITY_AS_VERB = re.compile(r"\b(?:what|which)\s+(?:do|does|did)\s+(?:they|it|we|you|he|she|the\s+\w+)\s+"
                              r"(?:scores?|counts?|costs?|rates?|shares?|numbers?|sizes?|budgets?)\s+"
                              r"(?!(?:on|in|at|for|to|with|of|across|over|under|against|when|if|after|per|than|and|or|"
                              r"the|a|an|its|their)\b)[a-z][\w-]*", re.I)
# A relative amount is asked for ('how much faster', 'by how much', 'what fraction'): a ratio or a
# percentage states it, whatever words the abstract uses ('a 1.8x speedup', 'by nearly 50%').
# A change asked as 'how much does it cut / reduce / improve X' is a relative amount too.
# How well something worked ('how well did that recipe work out?', 'how good are its results?'): a figure
# answers, and so does an abstract that says it in words ('new state-of-the-art results').
HOW_WELL = re.compile(r"\bhow (?:well|good|effective)\b|"  # and 'how much can <it> help / matter'
                      r"\bhow much (?:does|do|did|can|could|will|would|might)\s+(?:\S+\s+){1,8}?(?:help|benefit|matter)\w*\b",
                      re.I)
_NAMED_QUANTITY = re.compile(r"\b" + QUANTITY + r"\b", re.I)  # 'how well …, in mAP?' asks for the figure
_CHANGE = (r"(?:reductions?|decreases?|drops?|cuts?|improvements?|increases?|gains?|boosts?|speed-?ups?|savings?|compression|"
           r"(?:edge|advantage|lead)\s+over)\b")  # 'its edge over prior methods': a relative amount
# whose change: 'a', 'the', 'its', 'the new parser's' (then up to two words more: 'the sparse model's accuracy gain',
# 'a downstream top-1 gain')
_WHOSE = r"(?:(?:an?|the|its|their)\s+)?(?:(?:[\w-]+\s+){0,2}?[\w-]+['’]s\s+)?(?:[\w-]+\s+){0,2}?"
# nouns that end like a comparative: 'how much power in watts …' asks for an amount, not a relative one
_NOT_COMPARATIVE = (r"(?!(?:power|paper|number|layer|parameter|computer|answer|user|filter|buffer|cluster|order|"
                    r"encoder|decoder|transformer|water|member|letter|chapter|border|server|character)\b)")
WANTS_RATIO = re.compile(r"\bhow much (?:" + _NOT_COMPARATIVE + r"\w+er|more|less)\b|\bby (?:how much|what (?:factor|margin|multiple|percentage))\b|"
                         r"\bhow many times\b|"
                         # an amount asked against another ('how long does it take compared with the usual one?')
                         r"\bhow (?:long|much|fast|large|big)\b[^?;]{0,80}?\b(?:compared (?:with|to)|relative to)\b|"
                         r"\bhow (?:often|frequently)\b|"  # a frequency: 'in more than 60% of cases', 'twice as often'
                         # a change as the verb's object: 'what did it gain over FBNetV3?' (not 'gain access to')
                         r"\bwhat (?:did|does|do|can|could|would|will) (?:[\w-]+ ){1,3}?gain\b"
                         r"(?!\s+(?:access|insight|insights|traction|ground|popularity|attention|experience|from)\b)|"
                         r"\bhow much (?:[\w-]+\s+){0,2}?(?:does|do|did|can|could|will|would)\s+(?:\S+\s+){1,6}?(?:cut|reduc|lower|shrink|sav|"
                         r"improv|increas|rais|boost|speed|decreas|drop|compress|gain|spar(?:e|es|ed|ing)\b|accelerat(?!ors?\b)|(?:go|come)\s+(?:down|up))\w*\b|"
                         # a change asked in the passive ('how much compute is saved on BERT-Large?'), a part of a whole
                         # ('how much of the labelled data did they need?')
                         r"\bhow much (?:[\w-]+\s+){0,2}?(?:is|was|are|were|gets?|got)\s+(?:\S+\s+){0,3}?(?:cut|reduc|lower|"
                         r"shrunk|sav|spared\b|improv|increas|rais|boost|decreas|drop|compress|gain)\w*\b|\bhow much of (?:the|their|its)\s|"
                         r"\b(?:what|which) (?:(?:is|was|are|were) )?(?:the )?(?:\w+ )?(?:fraction|share|percentage|proportion|ratio|"
                         r"speed-?up)\b|"  # 'what is the largest speed-up …?'
                         r"\bas an? (?:share|fraction|percentage|proportion) of\b|"  # 'how much data, as a share of …'
                         # a change asked for by its size: 'how big a reduction in parameters …?', 'how large is the
                         # speed-up', 'what parameter reduction does … achieve?'
                         rf"\bhow (?:big|large|great|much of|significant)\s+(?:(?:is|was|are|were)\s+)?{_WHOSE}{_CHANGE}|"
                         # 'size of OEPG's edge over …', 'the magnitude of the speed-up'
                         rf"\b(?:size|magnitude|extent) of {_WHOSE}{_CHANGE}|"
                         rf"\b(?:what|which)\s+(?:[\w-]+\s+)?{_CHANGE}\s+(?:does|do|did|is|was|are|were|can|could|will)\b",
                         re.I)
# A name is asked for ("which benchmark …", "on what datasets …", "what data did they evaluate on?"):
# the evidence should be a sentence that names one (a dataset, benchmark, task, language, model).
# "What is the accuracy predictor … called?" asks for a name, whatever quantity word the thing's name holds.
ASKS_WHAT_CALLED = re.compile(r"\b(?:called|named|termed|dubbed|known as)\s*\??\s*$", re.I)
WANTS_NAME = re.compile(
    r"\b(?:which|what)\s+" + _NOT_A_LIST +
    r"(?:[\w-]+\s+){0,2}?(?:datasets?|benchmarks?|corpus|corpora|tasks?|data|languages?|"
    r"models?|architectures?|backbones?|domains?|games?|environments?|simulators?|librar(?:y|ies)|tools?|"
    r"frameworks?|baselines?|metrics?|test[- ]sets?|applications?|robots?|hardware)\b"
    r"|\b(?:evaluated|tested|trained|benchmarked|validated|experiments?)\s+(?:on|with)\s*\??\s*$"
    r"|\bquel(?:le)?s?\s+(?:jeux? de données|corpus|tâches?|langues?|modèles?)\b",
    re.I,
)
# A person asked about as an author: "papers by Yann LeCun", "did Yann LeCun write …", "is Yann LeCun an author
# of …". Only a full name (a capitalised first name and surname) counts: "by Hinton" or "trained by SGD" do not.
_NAME_WORD = r"[A-ZÀ-Þ][\w’'-]*[a-zß-ÿ][\w’'-]*"  # capitalised, with a lower-case letter ('LeCun', 'Jürgen'; not 'SGD')
_PARTICLE = r"(?:de|da|di|du|del|della|van|von|der|den|ten|ter|la|le|bin|al|el|dos|das|zu)\s+"
_FULL_NAME = r"(?P<name>" + _NAME_WORD + r"(?:\s+(?:" + _PARTICLE + r")?" + _NAME_WORD + r"){1,2})"
AUTHOR_ASKED = re.compile(
    r"\b(?i:papers?|works?|articles?|publications?|research|anything|something|written|authored|co-?authored|"
    r"contributions?)\s+(?i:by)\s+" + _FULL_NAME +
    # the name ends the phrase ('papers by Yann LeCun on pruning'), unlike 'work by Monte Carlo tree search'
    r"(?=\s*(?:[?.!,;:)]|$|['’]s\b|(?i:on|about|in|from|since|before|after|between|during|with|and|or|at|"
    r"for|that|which|who|published|here|there)\b))|"
    r"\b(?i:did|has|have|is|was)\s+" + _FULL_NAME.replace("?P<name>", "?P<name2>") +
    r"\s+(?:(?i:himself|herself|themselves|personally|ever|actually|really|also|alone)\s+)?"  # 'did X himself write'
    r"(?i:write|written|wrote|author|co-?author|publish|published|contribute|contributed|an?\s+(?:co-?)?author)\b|"
    # "Ian Goodfellow's papers on …", 'Leslie Smith, of the 1-cycle policy: is any of his work here?'
    + _FULL_NAME.replace("?P<name>", "?P<name4>") + r"['’]s\s+(?i:papers?|works?|articles?|publications?|research|"
    r"contributions?)\b|"
    r"^\W*" + _FULL_NAME.replace("?P<name>", "?P<name5>") + r"\b[^?]{0,80}?\b(?i:his|her)\s+(?:(?i:own)\s+)?"
    r"(?i:papers?|works?|articles?|publications?|research|contributions?)\b|"
    # 'Ilya Sutskever — does he have any papers here?', 'Jane Doe: has she written anything on parsing?'
    + _FULL_NAME.replace("?P<name>", "?P<name3>") + r"\s*[—–:,-]+\s*(?i:does|did|has|have|is|was)\s+(?i:he|she|they)\s+"
    r"(?i:have|has|had|write|wrote|written|author|authored|co-?authored|publish|published|contribute|contributed|"
    r"appear|any)\b|"
    # a name in the sentence that sets the scene, and the next asks whether that person is an author ('Pruning people
    # will know Jane Doe from weight rewinding. Is she credited as an author on any record?'; session 42)
    + r"(?![\w-]*['’]s\s)(?!(?:The|A|An|This|That|These|Those|In|On|At|For|From|My|Our|Their|His|Her|Its)\s)"
    + _FULL_NAME.replace("?P<name>", "?P<name6>") + r"\b[^.?!]{0,120}[.?!;:—–]\s*(?i:is|was|did|has|does)\s+(?i:he|she)\s+"
    r"(?:(?i:ever|also|actually|really|even)\s+)?(?i:credited|listed|named|an?\s+(?:co-?)?author|(?:co-?)?authored|"
    r"written|wrote|write|published)\b")
# A link is asked for ("where can I download it?", "is the code on GitHub?", "where is the X code to be released?",
# "is the library public somewhere?"): the sentence with the URL answers. An artifact is something a paper can
# publish at an address; "where can I find papers on X" and "code-switching" ask for none.
_ARTIFACT = (r"(?:code|code ?base|implementation|library|toolkit|tool|software|package|data ?set|data|corpus|corpora|"
             r"weights|checkpoints?|models?|demo|visuali[sz]ations?|results|resources?|annotations?|list|benchmark|"
             r"leaderboard|materials?|scripts?|source)")
WANTS_LINK = re.compile(
    r"\b(?:(?:release[sd]?|publish(?:es|ed)?|share[sd]?|open-?sourced?)\s+(?:(?:the|its|their|any|all|some)\s+)?"
    r"(?:code|implementation|weights|checkpoints)|"  # 'does it release code?'
    r"download(?:ed|able|s)?|github|repository|repo|source code|the code(?![-‐])|code (?:available|released)|link|url|website|"
    r"web ?page|homepage|project page|where can i (?:get|find)(?!\s+(?:papers?|work|studies|research|articles?|"
    r"anything|something|more)\b))\b|"
    # "where can I get / browse / download … <artifact>"
    r"\bwhere\s+(?:can|could|do|does|would|should|may|might)\s+(?:i|we|one|you|people|someone|they)\s+(?:\w+\s+)?"
    r"(?:get|find|download|access|browse|obtain|grab|see|look at|view|try)\b[^.?!]{0,40}\b" + _ARTIFACT + r"\b|"
    # "where can I watch the videos they generated?", "where could one listen to the samples?"
    r"\bwhere\s+(?:can|could|do|would|should|may|might)\s+(?:i|we|one|you|people|someone)\s+(?:\w+\s+)?"
    r"(?:watch(?!\s+(?:out|for)\b)|listen to|hear|play)\b|"
    # "where is the <artifact> … released / hosted / available"
    # (or that comes with, accompanies the paper: 'where is the curated paper list that comes with the survey?')
    r"\bwhere\b[^.?!]{0,60}\b" + _ARTIFACT + r"\b[^.?!]{0,40}\b(?:released?|hosted|available|published|shared|"
    r"comes? with|accompan(?:y|ies|ying))\b|"
    r"\b" + _ARTIFACT + r"\b[^.?!]{0,40}\b(?:somewhere|publicly available|available online)\b|"
    r"\b(?:is|are|was|were|been|get|got)\s+(?:\w+\s+){0,4}open[- ]sourced?\s*[?.!]*\s*$|"
    # "is their code public?", "its implementation", "code publicly available"
    # ('is the implementation public, and where?', 'are the weights online?')
    r"\b(?:its|their)\s+(?:code|implementation|source code)\b(?![-‐])|"
    r"\b(?:code|implementation|source code|weights|checkpoints?)\s+(?:(?:is|are)\s+)?(?:public|publicly|online)\b|"
    # "where's the implementation of X?", "where are its weights?"
    r"\bwhere(?:['’]s|\s+is|\s+are)\s+(?:the\s+|its\s+|their\s+)?(?:[\w-]+\s+){0,2}?"
    r"(?:code|implementation|source code|weights|checkpoints?|repo|repository)\b", re.I)
# The words a link question is made of when it names nothing else ("is the code public, and where?", "got a
# link?"): with history, such a question is about the paper just discussed, whatever abstract says "code is public".
LINK_WORDS = ("where can could get got find anywhere somewhere available public publicly online open source sourced "
              "release released host hosted share shared publish published download downloaded link url github "
              "repository repo website page homepage project code codebase implementation library toolkit tool "
              "software package dataset data corpus weights checkpoints checkpoint model models demo resources "
              "annotations scripts materials")
# Words of a named term that only say how it was used: "BERT-based", "GAN-trained", "RL-style".
_AFFIX = re.compile(r"[-‐](based|trained|style|like|driven|guided|aware|free|specific|level|powered|"
                    r"inspired|augmented|enhanced|conditioned|pretrained|finetuned|tuned)$", re.I)


# Enumerations: "A, B or C", "A versus B", "X (A, B and C)". Each item, with the words around the list,
# is a reading of its own (`aspects`): a paper that answers one item answers the question.
# (a parenthesis holding an acronym only glosses the words before it, 'the embedded self-prediction (ESP) model', and
# ends no clause: `_clauses`)
_CLAUSES = re.compile(r"(?<=[:?;!])\s+|\s+[—–]\s+|\s+--?\s+|\s*[()]\s*")
_ACRONYM_GLOSS = re.compile(r"\s*\(([A-Z][A-Z0-9]+s?(?:-[a-z]+)?)\)(?=[\s,;:?!.]|$)")  # 'ESP', 'GANs', 'CCA-style'


# a title's subtitle after its colon, in a comparison ('Network In Network vs. Striving for Simplicity: The All
# Convolutional Net'): words in capitals, or the small words titles keep in lower case, two capitalised at least; a
# question after a colon ('GANs vs VAEs: Which …?') is no subtitle, since it goes on in lower case
_TITLE_SMALL = frozenset("a an the of for in on and with to by from via as at is are into without".split())


def _subtitle(clause: str) -> bool:
    words = clause.strip().rstrip("?.!").split()
    return len(words) >= 2 and sum(w[:1].isupper() for w in words) >= 2 and all(
        w[:1].isupper() or w[:1].isdigit() or w.lower() in _TITLE_SMALL for w in words)


# A phrase that sets the scene before the question proper, up to a comma ('As add-ons to a deep RL agent, how do A and
# B differ?', 'On ImageNet, which …'): a clause of its own, not an item of a list nor part of a comparison's sides.
_SCENE = re.compile(r"^(\W*(?:as|in|on|for|with|within|among|across|under|at|from|regarding|concerning|besides|beyond|"
                    r"given|when|while|after|before)\b[^,;:?]{1,100}),\s*(?=(?:how|what|which|who|whose|why|where|is|are|"
                    r"do|does|did|can|could|in\s+what)\b)", re.I)


def _clauses(search: str) -> list[str]:
    out: list[str] = []
    compared = bool(re.search(rf"\s{_VERSUS}\s", search, re.I))  # two papers set side by side, named by their titles
    search = search.strip()
    scene = _SCENE.match(search)
    if scene:
        out.append(scene.group(1))
        search = search[scene.end():]
    for c in _CLAUSES.split(_ACRONYM_GLOSS.sub(r" \1", search)):
        if not c.strip():
            continue
        if out and out[-1].endswith(":") and _subtitle(c) and compared:
            out[-1] = f"{out[-1]} {c}"  # a title's subtitle: one clause with its title
        else:
            out.append(c)
    return out


# the words that set two things against each other ('A vs B', 'how does A differ from B', 'A compares with B')
_VERB_VERSUS = r"(?:compares? (?:with|to|against)|differs? from|different from)"  # a verb of comparison
_VERSUS = rf"(?:versus|vs\.?|compared (?:with|to)|{_VERB_VERSUS})"
_LIST_SEP = re.compile(rf"\s*,?\s+{_VERSUS}\s+|\s*,\s*(?:(?:or|and)\s+)?|\s+or\s+", re.I)
_LIST_AND = re.compile(r"\s+and\s+", re.I)
_SET_APART = r"side[- ]by[- ]side|head[- ]to[- ]head"  # how two things are to be set out, not a thing named
_SIDE_BY_SIDE_PHRASE = re.compile(rf",?\s*\b(?:{_SET_APART})\b", re.I)
# how to set things out, not a thing listed ('A and B, side by side'; 'A or B, briefly')
_FRAMING = re.compile(rf"(?:please\s+)?(?:{_SET_APART}|compared|in comparison|briefly|in short|"
                      r"in brief|please|thanks?|thank you)(?:\s+please)?", re.I)
_COMPARE = re.compile(r"^(?:compare|comparing|contrast|contrasting|(?:what(?: is|'s|’s| are|'re|’re) )?(?:the )?differences? "
                      r"between)\s+",
                      re.I)
_COMPARE_WITH = re.compile(r"\s+(?:with|against|to)\s+", re.I)  # 'compare A with B'
# A comparison of named alternatives ('A vs B', 'A compared with B', 'compare A and B'): each item answers a
# part, so each item's best paper belongs in the answer (rag.answer.judge.select).
# a relation asked between two things: 'how is A related to B', 'how does A relate to B' (COMPARISON, _SEPARATES)
_RELATED = r"(?:related|connected|linked)\s+(?:to|with)"
_RELATES = r"(?:relate|connect)\s+(?:to|with)"
COMPARISON = re.compile(rf"\b{_VERSUS}\s|^\W*(?:compare|comparing|contrast)\b|"
                        r"\bdifferences? between\b|\b(?:what|how) (?:does|do|did) each\b|\bdoes each one\b|"
                        r"\band\b[^,;:?]{1,120}?\bboth\b(?!\s+(?:the|of|a|an|in|on)\b)|"
                        r"^\W*(?:what|how|why)\s+(?:do|does|did)\b[^,;:?]{1,160}?\band\b[^,;:?]{1,120}?\beach\b|"
                        r"^\W*(?:how|in\s+what\s+ways?)\s+(?:do|did)\b[^,;:?]{1,160}?\band\b[^,;:?]{1,160}?\b"
                        r"(?:differ|compare)\b|"
                        # 'A or B: which one …', 'A or B? which library …' (not 'which papers …', a list)
                        r"\bor\b[^,;:?]{1,120}[:?]\s*which\s+(?:one|of the two|(?!papers?\b|works?\b|articles?\b)[a-z]+(?<!s))\b|"
                        r"^\W*(?:what|which\s+\w+)\s+(?:separates?|distinguish(?:es)?|sets?)\s|"
                        rf"^\W*(?:how|in\s+what\s+ways?)\s+(?:(?:is|are|was|were)\s[^;:?]+?\s{_RELATED}|(?:does|do|did)\s[^;:?]+?\s"
                        rf"{_RELATES})\s", re.I)
# Two items enumerated and then asked about one by one ('A, and B: the setting each targets and its finding'): a
# comparison though no comparison word joins them
# ('each' ending a clause, or before a verb: 'in each?', 'what each says'; not 'label each segment', 'each other')
EACH_OF_TWO = re.compile(r"\b(?:each (?:one|of them|of the two)|respectively|of the two|which (?:one )?of them)\b|\bone\b[^;:?]+\bthe other\b|\beach\s*(?=[?,.;:!]|$)|"
                         r"\beach\s+(?:[a-z]+s|does|did|has|is|was|can|uses?|handles?)\b(?<!\bother)", re.I)
# 'what separates A from B', 'what distinguishes A from B', 'what sets A apart from B': the two sides
_SEPARATES = re.compile(r"^\W*(?:what|which\s+\w+)\s+(?:separates?|distinguish(?:es)?|sets?)\s+(?P<a>[^;:?]+?)\s+"
                        r"(?:apart\s+)?from\s+(?P<b>[^;:?]+)$|"
                        # a relation asked ('how is A related to B', 'how does A relate to B', 'how do A and B relate'
                        # is an 'and' of SIDE_BY_SIDE): the two things related are the sides
                        rf"^\W*(?:how|in\s+what\s+ways?)\s+(?:is|are|was|were)\s+(?P<a2>[^;:?]+?)\s+{_RELATED}\s+(?P<b2>[^;:?]+)$|"
                        rf"^\W*(?:how|in\s+what\s+ways?)\s+(?:does|do|did)\s+(?P<a3>[^;:?]+?)\s+{_RELATES}\s+(?P<b3>[^;:?]+)$", re.I)
# Two things named and then asked about together: 'A and B both start from an ODE view', 'what do A and B
# each say about memory': the two are the items, the words after 'both' / 'each' belong to each reading.
_BOTH = re.compile(r"^(?:(?P<a>[^,;:?]+?)\s+and\s+(?P<b>[^,;:?]+?)\s+both\b(?!\s+(?:the|of|a|an|in|on)\b)|"
                   r"(?:what|how|why)\s+(?:do|does|did)\s+(?P<a2>[^,;:?]+?)\s+and\s+(?P<b2>[^,;:?]+?)\s+each\b|"
                   # 'how do A and B differ in …', 'in what ways do A and B compare' (not 'contrast': 'momentum contrast')
                   r"(?:how|in\s+what\s+ways?)\s+(?:do|did)\s+(?P<a3>[^,;:?]+?)\s+and\s+(?P<b3>[^,;:?]+?)\s+"
                   r"(?:differ|compare)\b)"
                   r"(?P<rest>.*)$", re.I)
# Two things described one after the other ('two SGD theory papers: one on gradient noise, the other on averaged SGD',
# 'two papers, one on A and the other on B'): the descriptions are the sides
_ONE_OTHER = re.compile(r"^(?:[^,;:?]+,\s*)?(?:one|the first(?: one)?)\s+(?P<a>[^;:?]+?),?\s+(?:and\s+|while\s+|whereas\s+)?"
                        r"(?:the other|the second)(?: one)?\s+(?P<b>[^;:?]+)$", re.I)
_LIST_LEAD = re.compile(r"^(?:e\.g\.,?|i\.e\.,?|such as|like|either|whether|both|including)\s+", re.I)
_VERSUS_LEAD = re.compile(r"^(?:how|in what ways?|why)\s+(?:does|do|did|is|are|was|were)\s+", re.I)  # 'how does A differ from B'
MAX_ASPECTS = 5
COMPARED_WORDS = 16  # the longest side of a comparison ('A vs B') read as an item (8 for other lists)


def aspects(search: str) -> tuple[str, ...]:
    """The readings of a question that enumerates alternatives, one per item, each with the words
    outside the list ('Fourier, wavelet or other frequency-domain tools' -> 'Fourier frequency-domain
    tools', ...). With three or more items, the first item's extra leading words and the last item's
    extra trailing words (beyond the middle items' length) are the list's shared head and tail.
    Empty when the question has no list of 2-5 short items."""
    return enumeration(search)[0]


_INTERROGATIVE_ITEM = re.compile(r"^(?:what|which|how|why|where|when|who|whom|whose)\b", re.I)


def _asks_several(parts: list[str]) -> bool:
    """Are two or more of a clause's parts questions ('…, what plays the role of the weak learner, and what task is it
    boosted for')? Such a clause asks several things about what an earlier one lists ('GrowNet, GBRL: in each of
    them, …'), and does not outrank that list with its more parts (session 40)."""
    return sum(bool(_INTERROGATIVE_ITEM.match(x)) for x in parts) >= 2


def enumeration(search: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """`aspects`, and the items alone ('Fourier', 'wavelet', 'other frequency-domain tools'). Where the clauses list
    nothing, brackets may have cut a comparison apart ('Support-set attention (Matching Networks) vs kernel-based
    weight generation (HyperShot): …'): its words are then read in line (session 40)."""
    found = _enumeration(search)
    if found[0] or "(" not in search:
        return found
    inline = _inline_brackets(search)
    return _enumeration(inline) if inline != search and COMPARISON.search(inline) else found


def _inline_brackets(search: str) -> str:
    """The question with what its brackets hold read in line ('N-CODE (neurally-controlled ODEs) and …')."""
    return re.sub(r"\s*\(([^()]*)\)", r" \1", search)


def _enumeration(search: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    clauses = _clauses(search)
    best: tuple[int, list[str]] | None = None
    described: tuple[int, tuple[str, str]] | None = None  # 'one on A, the other on B', where no clause lists things
    headed = False
    for i, clause in enumerate(clauses):
        body = clause.rstrip("?.!:; ")
        both = _BOTH.match(body)
        pair_ab = [next((both.group(x + k) for k in ("", "2", "3") if both.group(x + k)), "") for x in ("a", "b")] \
            if both else []
        if pair_ab and not _LIST_SEP.search(" ".join(pair_ab)):
            if all(len(x.split()) <= COMPARED_WORDS for x in pair_ab):
                readings = [f"{x}{both.group('rest')}".strip() for x in pair_ab]
                return _with_others(readings, clauses, i), tuple(x.strip() for x in pair_ab)
        other = _ONE_OTHER.match(body)
        if other and described is None and all(len(x.split()) <= COMPARED_WORDS for x in other.group("a", "b")):
            described = (i, tuple(x.strip(" ,") for x in other.group("a", "b")))
        apart = _SEPARATES.match(body)
        apart_ab = [next(apart.group(x + k) for k in ("", "2", "3") if apart.group(x + k)) for x in ("a", "b")] if apart else []
        if apart_ab and all(len(x.split()) <= COMPARED_WORDS for x in apart_ab):
            sides = tuple(x.strip(" ,") for x in apart_ab)
            return _with_others(sides, clauses, i), sides
        # 'how does A, which …, differ from B': the two sides of a verb of comparison, commas and all
        versus = re.search(rf"\s{_VERB_VERSUS}\s", body, re.I)
        seps = _LIST_SEP.findall(body) if not versus else [versus.group(0)]
        parts = _LIST_SEP.split(body) if not versus else [_VERSUS_LEAD.sub("", body[: versus.start()].strip(" ,")),
                                                           body[versus.end():]]
        pair = _COMPARE.match(body)
        if not seps and pair:  # 'compare A and B', 'the difference between A and B', 'compare A with B'
            pair_rest = body[pair.end():]
            joint = _LIST_AND if _LIST_AND.search(pair_rest) else _COMPARE_WITH
            seps, parts = ["and"], joint.split(pair_rest, maxsplit=1)
        if seps and "," in seps[-1] and not re.search(r"\b(?:or|and)\b", seps[-1]):
            parts = parts[:-1] + _LIST_AND.split(parts[-1], maxsplit=1)  # 'A, B and C'
        parts = [_LIST_LEAD.sub("", x).strip() for x in parts if x and x.strip() and not _FRAMING.fullmatch(x.strip())]
        if 2 <= len(parts) <= MAX_ASPECTS and (best is None or (len(parts) > len(best[1]) and not headed
                                                                and not _asks_several(parts))):
            best = (i, parts)
            headed = bool(pair) and len(seps) == 1  # 'Compare A with B: … X or Y?': A and B are compared, not X and Y
    one_other = (_with_others(described[1], clauses, described[0]), described[1]) if described else ((), ())
    if best is None or (described and described[0] == best[0]):
        return one_other
    i, items = best
    head = tail = ""
    if len(items) >= 3:
        width = max(len(x.split()) for x in items[1:-1])
        words = items[0].split()
        if len(words) > width + 1:
            head, items[0] = " ".join(words[:-width]), " ".join(words[-width:])
        words = items[-1].split()
        if len(words) > width + 1:
            items[-1], tail = " ".join(words[:width]), " ".join(words[width:])
    # long clauses joined by 'or': a description, not a list; two things compared may each be described at length
    if any(len(x.split()) > (COMPARED_WORDS if len(items) == 2 and COMPARISON.search(clauses[i]) else 8) for x in items):
        return one_other
    readings = [" ".join(x for x in (head, item, tail) if x) for item in items]
    for k in range(1, len(items)):  # 'generating molecules or their 3D conformations': whose conformations the item
        if _POSSESSIVE.match(items[k]) and not _POSSESSIVE.match(items[k - 1]):  # says, the item before it names
            readings[k] = f"{items[k - 1]} {readings[k]}"
    return _with_others(readings, clauses, i), tuple(items)


_POSSESSIVE = re.compile(r"(?:their|its)\b", re.I)  # an item that opens by pointing back at what an earlier one names


def _with_others(readings, clauses: list[str], i: int) -> tuple[str, ...]:
    """Each reading followed by the words of the question's clauses other than the i-th."""
    rest = " ".join(c for j, c in enumerate(clauses) if j != i)
    return tuple(" ".join(x for x in (r, rest) if x) for r in readings)


# Words that set two things side by side ('both', 'each', 'differ', 'compare'; French and German too): with
# them, an 'and' may join two papers named (`and_pairs`); the evidence decides whether it does.
SIDE_BY_SIDE = re.compile(r"\b(?:each|both|differ|differs|differed|differing|differences?|diverg\w*|compar\w*|contrast\w*|versus|(?<!-)vs\.?(?!-)|"
                          r"the two|in common|one\b[^;:?]+\bthe other|"
                          r"which (?:one )?of them|"  # 'A and B: which of them …?'
                          + _SET_APART + r"|juxtapos\w*|"
                          r"the (?:second|former|latter)(?= one\b| method\b| paper\b| work\b| study\b|['’]s\b|\s*[?.!,;:]|$)|"
                          r"chacun\w*|les deux|diffère|diffèrent|unterscheid\w*|beide\w*|jeweils|vergleich\w*)\b|"
                          # 'what do A and B share?' (the verb ending its clause; 'how does X share Y between …' is no pair)
                          r"\b(?:do|does|did)\s[^;:?]+?\sshare\s*(?:[?.!,;:]|$)|"
                          # 'A and B: which one …?' (after the two, set off, and asking no more: not 'which one uses A
                          # and B?', nor 'A and B: which one runs X and Y, and which one …?', whose 'and's join no sides)
                          r"(?:[:?–—]|\s-)\s*which\s+one\b(?![^;:]*\band\b)", re.I)
# what joins two things set side by side: 'and' in English, French, German (not 'et al.'), and 'plus', 'alongside',
# '(put) next to', 'together with', 'along with' ('Network In Network alongside the All Convolutional Net')
_AND = re.compile(r"\s+(?:and|et(?!\s+al\b)|und|plus|alongside|against|next\s+to|(?:together|along)\s+with)\s+", re.I)
MAX_PAIRS = 3  # 'and's tried per question


def and_pairs(search: str) -> tuple[tuple[str, str], ...]:
    """The two readings on either side of each 'and' of the question's clauses, longest clause first, each with
    the words of its other clauses ('how do the HyperNetworks paper and the primer on NLP models differ?' ->
    ('how do the HyperNetworks paper', 'the primer on NLP models differ')). Whether an 'and' joins two things that
    each name a paper is for the evidence to say (rag.answer): no phrasing decides it."""
    clauses, split = _and_split(search)
    return tuple(_with_others(pair, clauses, i) for pair, i in split)


def and_sides(search: str) -> tuple[tuple[str, str], ...]:
    """The two sides of each 'and' of `and_pairs`, without the words of the question's other clauses."""
    return tuple(pair for pair, _ in _and_split(search)[1])


def _and_split(search: str) -> tuple[list[str], list[tuple[tuple[str, str], int]]]:
    """The clauses, and the sides of each 'and' (up to MAX_PAIRS) of the clauses that have one, longest clause
    first, each with its clause's index: 'A and B: which question is each of them after?' names the two before the
    longer question, and 'T-Miner and LINAC: which attack is each a defence against, and on what input?' after it
    (session 40: the longest clause alone was tried before)."""
    # a gloss in brackets stays with what it glosses ('N-CODE (neurally-controlled ODEs) and the GNN that …')
    clauses = _clauses(_inline_brackets(search))
    out: list[tuple[tuple[str, str], int]] = []
    for i in sorted(range(len(clauses)), key=lambda j: -len(clauses[j])):
        body = clauses[i].rstrip("?.!:; ")
        for m in _AND.finditer(body):
            left, right = body[: m.start()].strip(" ,"), body[m.end():].strip(" ,")
            if left and right and len(out) < MAX_PAIRS:
                out.append(((left, right), i))
    return clauses, out


def norm_term(term: str) -> str:
    """A named term in the form it is looked up in: case, plural 's', hyphens and usage affixes
    normalised ('GANs' -> 'gan', 'BERT-based' -> 'bert', 'DC-Bi-LSTM' -> 'dcbilstm')."""
    t = _AFFIX.sub("", term.strip())
    if re.fullmatch(r"[A-Z0-9-]{2,}s", t) or re.fullmatch(r"[A-Za-z0-9-]+[A-Z][A-Za-z0-9-]*[A-Za-z]s", t):
        t = t[:-1]  # 'GANs', 'LLMs', 'VAEs'; CamelCase too: 'GrowNets', 'NeRFs', 'ResNets'
    return squash(t)


@dataclass
class Query:
    """Everything the pipeline needs to know about one question, computed once."""

    text: str  # as typed (validated)
    search: str  # with filter phrases removed: what retrieval searches for
    filters: Filters | None = None
    years_read: bool = False  # the filters' years were read from the question's words (not given by the caller)
    named: tuple[str, ...] = ()  # names of methods, datasets, systems as typed (CamelCase, ACRONYMs, digits)
    negated: tuple[str, ...] = ()  # those named as what the paper does not use ('rather than VAE'; `negated_names`)
    wants_authors: bool = False  # formatting: answer with the author list
    wants_number: bool = False  # the question asks for a figure: the answer must state one
    figure_besides: bool = False  # it asks more than the figure (`asks_besides_figure`): a figure missing is noted
    wants_ratio: bool = False  # a relative amount: prefer evidence with a ratio or percentage
    evaluative: bool = False  # 'how well did it work?': a figure, or an abstract's words on how well, answer it
    count_unit: frozenset[str] = frozenset()  # stems of what a 'how many <unit>' question counts ('paramet')
    # the acronyms it spells out that the collection defines so ('fst' -> its stemmed words; rag.acronyms), set
    # when it is read against a collection (rag.answer)
    acronyms: dict[str, frozenset[str]] = field(default_factory=dict)
    wants_name: bool = False  # the question asks for a name (dataset, benchmark, task): prefer evidence naming one
    wants_link: bool = False  # the question asks where the code or data is: prefer the sentence with the URL
    wants_example: bool = False  # the question asks an example of the abstract ('what is an example of …?'; EXAMPLE_ASKED)
    aspects: tuple[str, ...] = ()  # one reading per item of an enumeration ('A, B or C'), judged as well
    compares: bool = False  # the enumeration compares alternatives ('A vs B'): each item's best paper is listed
    items: tuple[str, ...] = ()  # the enumeration's items alone, without the words around the list (`enumeration`)
    pairs: tuple[tuple[str, str], ...] = ()  # the two sides of each 'and' (`and_pairs`) of a question without an
    # enumeration whose words set things side by side (SIDE_BY_SIDE: 'both', 'each', 'differ', 'compare')
    pair_sides: tuple[tuple[str, str], ...] = ()  # those sides alone (`and_sides`)
    foreign: bool = False  # written in French or German: the English embedding model scores it lower (its
    # search text ends with English glosses of its words from rag.lexicon)
    gloss: str = ""  # those English glosses alone (a foreign question's English reading), or ''
    list_intent: float = 0.0  # P(the question asks for a list of papers), from its wording (rag.intent)
    wants_list: bool = False  # list_intent reaches the intent model's cut: list papers down to its threshold
    history: list[dict] = field(default_factory=list)
    thread: Thread = field(default_factory=Thread)
    refs: list[str] = field(default_factory=list)  # paper ids the question points at explicitly
    ref_mode: str = ""  # 'papers' ([2], 'the second paper') or 'authors' ('what else did they write')
    context: str = ""  # the previous exchange, for the follow-up reading
    cited_context: str = ""  # with it, the earlier exchanges about the papers it cites (`rag.chat.cited_context`)
    cited_in_last: int = 0  # how many citation numbers the last answer cites (`rag.chat.cited_in_last`)
    previous_question: str = ""
    unknown_author: str = ""  # a full name asked about as an author ('papers by X') that no paper lists
    data: tuple[str, ...] = ()  # one-word names of the data the question asks results on ('Criteo')

    @property
    def author_topic(self) -> bool:
        """An author filter and a topic besides ('What has X published on speech recognition?'): the filter
        makes every candidate the author's, so only the topic tells them apart."""
        f = self.filters
        return bool(f and f.author) and self.search.strip() != f.author and not _only_authorship(self.search)

    @property
    def topicless(self) -> bool:
        """A venue or years and nothing else to go on ('IWSLT 2010 system descriptions', 'ACL 2020 papers', 'les
        articles de TALN 2015'): every paper the filters select answers it. (An author filter has its own
        readings: `author_topic`, `_only_authorship`.)"""
        f = self.filters
        if not f or f.author or not (f.venue or f.year_min or f.year_max):
            return False
        venue = set(re.findall(r"[^\W\d_]+", (f.venue or "").lower()))  # a search left as typed: 'ACL 2020'
        words = [w for w in re.findall(r"[^\W\d_]+", self.search.lower()) if w not in function_words_of_all()]
        return all(w in _GENERIC or w in venue for w in words)

    @property
    def named_forms(self) -> dict[str, str]:
        """Normalised named term -> the first way the question wrote it (forms of 2+ characters)."""
        return name_forms(self.named)

    @property
    def named_norm(self) -> list[str]:
        return list(self.named_forms)

    def absent_named(self, terms: set[str]) -> list[str]:
        """Named terms, as typed, whose normalised form occurs nowhere in a collection's `terms`, in the singular
        or the plural ('FLOPs' is 'flop', which an abstract writes 'FLOPs')."""
        return [t for n, t in self.named_forms.items() if not written(n, terms) and t not in self.negated]

    @property
    def detail(self) -> dict[str, bool | frozenset[str]]:
        """The detail asked for, as `rag.answer.evidence.gather` takes it."""
        return {"wants_number": self.wants_number, "wants_name": self.wants_name, "wants_link": self.wants_link,
                "wants_ratio": self.wants_ratio, "count_unit": self.count_unit}

    @property
    def only_asks_link(self) -> bool:
        """A link question that names nothing but what is linked ('is the code public, and where?')."""
        if not self.wants_link:
            return False
        from rag.lexical import query_tokens

        return set(query_tokens(self.search)) <= _link_tokens()

    @property
    def figure_only(self) -> bool:
        """A figure is all it asks (not `figure_besides`): asked of one paper, and refused where its abstract lacks it."""
        return self.wants_number and not self.figure_besides

    @property
    def wants_detail(self) -> bool:
        """A figure, a name or a link is asked for: evidence is chosen for the detail, not the contribution."""
        return self.wants_number or self.wants_name or self.wants_link

    @property
    def has_history(self) -> bool:
        return bool(self.history)

    def reading(self, text: str) -> Query:
        """One item's reading of an enumerated question (`aspects`): its own search text and named
        terms, the question's filters; the detail the question asks for stays with the whole question."""
        return Query(text=text, search=text, filters=self.filters, named=_names(text))

    def english_reading(self) -> Query | None:
        """A French or German question read in English: its glosses and the names it types, searched on their
        own (the words as typed match the collection's French or German abstracts; an English paper is
        found by the glosses). None without glosses."""
        if not self.gloss:
            return None
        text = " ".join([self.gloss, *(t for t in self.named if t.lower() not in self.gloss.lower())])
        return Query(text=text, search=text, filters=self.filters, named=self.named)

    def chips(self) -> list[str]:
        from rag.filters import chips_for

        return chips_for(self.filters) if self.filters else []


@lru_cache(maxsize=1)
def _link_tokens() -> frozenset[str]:
    from rag.lexical import query_tokens

    return frozenset(query_tokens(LINK_WORDS))


def _names(search: str) -> tuple[str, ...]:
    """The named terms of a search text; years, ranges ('2019-2020'), sizes and ratios ('32x32', '1.8x',
    '50%') are no names, nor are amounts written with a magnitude ('600B', '1.5M', '600B-parameter', which
    an abstract writes as '600 billion parameters'), nor a four-digit number or decade made an adjective ('2014-era',
    '1990s-style', '3000-pair'; session 40)."""
    return tuple(dict.fromkeys(t for t in named_terms(search)
                               if not re.fullmatch(r"[\d\-–/.,x×%]*\d[\d\-–/.,x×%]*", t)
                               and not re.fullmatch(r"\d+(?:[.,]\d+)?[KkMBbT](?:-[A-Za-z]+)?", t)
                               and not re.fullmatch(r"\d{4}s?-[a-z]+", t)))


# A name the question sets aside ('NTMs built on optimal transport rather than VAE reparameterisation', 'without BERT',
# 'unlike GANs'): what the paper does not use, so an abstract that never writes it is no sign that it misses the question.
_NEGATION = re.compile(r"\b(?:rather\s+than|instead\s+of|as\s+opposed\s+to|other\s+than|unlike|without|not|no)\s+"
                       r"((?:[\w'’-]+\s+){0,2}[\w'’-]+)", re.I)


# A topic the question sets aside, to its clause's end: 'Event ticketing, not lottery tickets: …', 'Blood-sugar spikes
# rather than spiking neurons: …', 'Not network pruning -- I mean horticulture …' ('not' opening a clause; 'rather
# than', 'instead of', 'as opposed to' anywhere). Session 42 (`rag.answer.aside`).
_CLAUSE_END = r"[^,;:.?!()\[\]—–]+?(?=\s*(?:[,;:.?!()\[\]—–]|\s--?\s|$))"
SET_ASIDE = re.compile(r"(?:(?<=^)|(?<=[,;:(—–-])\s*|(?<=\s--)\s*|(?<=\.)\s+)not\s+" + _CLAUSE_END
                       + r"|\b(?:rather\s+than|as\s+opposed\s+to|instead\s+of)\s+" + _CLAUSE_END, re.I)


def reread(query: Query, search: str) -> Query:
    """The question read from other words (`rag.answer.sides`, `rag.answer.aside`): no items or sides of its own."""
    return replace(query, search=search, aspects=(), items=(), compares=False, pairs=())


def without_set_aside(search: str) -> str:
    """The question without the topics it sets aside (`SET_ASIDE`); the question itself where it sets none aside."""
    return re.sub(r"\s{2,}", " ", SET_ASIDE.sub(" ", search)).strip() if SET_ASIDE.search(search) else search


def negated_names(search: str, names: tuple[str, ...]) -> tuple[str, ...]:
    """The named terms (`names`, the search text's `_names`) that stand within three words after a negation ('rather
    than', 'without', 'unlike')."""
    spans = " ".join(m.group(1) for m in _NEGATION.finditer(search))
    return tuple(t for t in names if re.search(rf"(?<![\w-]){re.escape(t)}(?![\w-])", spans))


# "How many <unit>" (or "the number of <unit>"): what is counted, up to three words before a verb, pronoun or
# preposition ('how many labelled examples are …'); 'kinds / types of X' counts X as well ('how many kinds of metrics').
# (and "the count of <unit>"; not "the parameter count of <model>", where the unit is the word before: `_UNIT_COUNT`)
HOW_MANY = re.compile(r"\b(?:how many|number of|(?:(?<=^)|(?<=\bthe )|(?<=\ba )|(?<=\bexact )|(?<=\btotal )|(?<=\boverall ))"
                      r"count of) ((?:[\w-]+\s+){0,3})", re.I)  # 'and the number of datasets …?' too


_UNIT_COUNT = re.compile(r"\b([a-z][\w-]*[a-z])\s+counts?\b(?!\s+(?:as|for|on|towards?)\b)", re.I)
# 'how many of those networks', 'how many of the six mini-games': what follows the determiner and number is counted
_MANY_OF = re.compile(r"\b(how many) of (?:the|those|these|its|their|his|her|our|your|all)\s+"
                      r"(?:(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\s+)?", re.I)
# words before the unit that say which ones are counted, not what ('how many extra parameters': a count of parameters)
_UNIT_MODIFIERS = frozenset("extra additional more fewer less total new different distinct separate unique other "
                            "further".split())
# words before 'count' that are no unit ('the exact count of …', 'which work in the corpus counts X among …')
_NOT_COUNTED = UNIT_STOP | _UNIT_MODIFIERS | {"exact", "precise", "overall", "corpus"}
# a network's weights are its parameters: 'how many weights' is stated by '24 million parameters', and the other way
# round; and the datasets a paper evaluates on are its benchmarks ('how many datasets?' and 'six widely used
# benchmarks')
_SAME_UNITS = (frozenset({"weight", "paramet", "param"}), frozenset({"dataset", "benchmark"}))
# hardware is counted in processors ('what hardware count …?' and '… on 2048 TPU v3 cores'; session 40); not the
# other way round: 'how many cores' is no count of hardware
_PROCESSORS = frozenset({"core", "gpu", "tpu", "cpu", "chip", "devic", "acceler", "machin"})


def count_unit(question: str) -> frozenset[str]:
    """Stems of the words a 'how many' question counts ('how many labelled examples' -> label, exampl)."""
    from rag.lexical import query_tokens

    kept = []  # every count asked ('how many ways …, and on how many benchmark datasets …?': ways, datasets)
    question = _MANY_OF.sub(r"\1 ", question)  # 'on how many of the six mini-games': mini-games are counted
    for m in HOW_MANY.finditer(re.sub(r"[^\w\s-]", " ", question) + " "):  # 'how many GPUs, and …', 'how many datasets?'
        words = m.group(1).split()
        if len(words) > 2 and words[0].lower() in ("kinds", "types", "sorts") and words[1].lower() == "of":
            words = [words[0], *words[2:]]
        for w in words:
            if w.lower() in UNIT_STOP:
                break
            if w.lower() not in _UNIT_MODIFIERS:
                kept.append(w)
    # '<unit> count' is 'the number of <unit>' ('what is its parameter count?', 'the token count of the corpus')
    # (not a name before a 'count' in lower case: 'the headline Citeseer count of certifiable perturbations' counts
    # perturbations on Citeseer)
    kept += [m.group(1) for m in _UNIT_COUNT.finditer(question) if m.group(1).lower() not in _NOT_COUNTED
             and not (m.group(1) != m.group(1).lower() and "count" in m.group(0)[len(m.group(1)):])]
    unit = frozenset(query_tokens(" ".join(kept)))
    return unit.union(*(same for same in _SAME_UNITS if unit & same), _PROCESSORS if "hardwar" in unit else ())


# A one-word name the question asks results on ('report results on the Criteo dataset', 'evaluated on
# MovieLens', 'the Criteo benchmark'): the data asked about. Where the collection never mentions it, no
# paper there reports results on it (rag.answer says so). A capitalised word next to another is part of a
# longer name ('the Open Graph Benchmark'), and the question's first word may just be capitalised.
_DATA_AFTER = re.compile(r"\b(?:results?|evaluat\w*|tested|benchmarked|experiments?|accuracy|performance|scores?)"
                         r"\s+(?:\w+\s+){0,2}?(?:on|with|using)\s+(?:the\s+)?$", re.I)
_DATA_BEFORE = re.compile(r"\s+(?:dataset|data\s+set|benchmark|corpus|test\s+set)s?\b", re.I)
_NAME = re.compile(r"[A-Z][\w-]*[A-Za-z0-9]")
# ... or offers in brackets after the data word ('which CTR datasets (Criteo, Avazu?) …', 'which text corpora (20
# Newsgroups? Reuters?) …')
_DATA_OFFERED = re.compile(r"\b(?:datasets?|data\s+sets?|benchmarks?|corpus|corpora|test\s+sets?)\s*\((?:e\.g\.,?\s*)?[^()]*$",
                           re.I)


def data_names(question: str) -> tuple[str, ...]:
    """The one-word names a question asks results on, as typed ('Criteo'), in order."""
    out = []
    for m in _NAME.finditer(question):
        before, after = question[: m.start()], question[m.end():]
        if re.match(r"\s+[A-Z]|[\w-]", after) or re.search(r"[A-Z][\w-]*\s+$", before):
            continue  # part of a longer name
        if _DATA_AFTER.search(before) or _DATA_OFFERED.search(before) or (
                before.strip() and not re.search(r"[.?!:]\s*$", before) and _DATA_BEFORE.match(after)):
            out.append(m.group(0))
    return tuple(dict.fromkeys(out))


# Words that only say a paper is someone's ('is listed as a co-author on one paper here', 'what has X
# published'): with an author filter and no other content word, the question asks for the author's papers.
AUTHORSHIP = frozenset("author authors co-author co-authors coauthor coauthors co-authored coauthored authored "
                       "wrote write writes written writing co-wrote co-written co-write co-writes co-writing cowrote cowrite "
                       "authoring co-authoring coauthoring penned contribute contributes worked listed list lists among name named counts "
                       "count includes include including "
                       "names paper papers work works publication publications published publish publishes "
                       "abstract abstracts contributed contribution contributions involved appear appears "
                       "appeared one here there somewhere anywhere collection library indexed included exist record records entry "
                       "entries shows showed shown showing set "
                       "exists find show tell know corpus anthology database archive turn turns "
                       "something anything item items "
                       # 'which entries carry his name?', 'say in a line what each does' (session 35)
                       "carry carries carrying bear bears byline bylines credited say line briefly summarise summarize "
                       "describe "
                       # a tag question's words ('X shows up in the author lists, right?'; session 37)
                       "right correct really yes".split())  # in this corpus; 'co-wrote something here'


# Words that ask for papers without saying what about ('papers', 'system descriptions', 'les articles', 'Beiträge')
_GENERIC = frozenset("""paper papers article articles work works publication publications submission submissions
contribution contributions system systems description descriptions study studies research proceedings talk talks
poster posters list show find give get see all every any anything everything published presented appeared accepted
entries entry abstracts abstract item items track tracks shared task tasks collection indexed what which there here
volume volumes edition editions long short demo demos main findings
travaux papiers communications présentations soumissions liste toutes tous publiés présentés parus
arbeiten beiträge beitrag publikationen veröffentlichungen aufsätze papiere alle veröffentlicht gab gibt""".split())
# French and German verbs that ask what papers are about ('portent sur', 'beschäftigen sich mit'): no gloss, since
# their dictionary senses ('employ', 'absorb', 'carry') are not the topic
_ABOUT_VERBS = frozenset("""portent porte portant traitent traite traitant abordent aborde concernent concerne
intéressent intéresse beschäftigen beschäftigt befassen befasst behandeln behandelt handeln handelt geht gehen
quel quels quelle quelles lequel laquelle lesquels lesquelles comment pourquoi combien quoi dont
wer wen wem warum wieso weshalb wieviel wieviele wozu womit""".split())  # and question words ('Quels' -> 'what who')


def name_forms(named: list[str]) -> dict[str, str]:
    """Named terms ('SN-Nets', 'R-GAP') by their normalised form -> the first way they were written (forms of 2+
    characters)."""
    out: dict[str, str] = {}
    for t in named:
        n = norm_term(t)
        if len(n) >= 2:
            out.setdefault(n, t)
    return out


# 'the exact mean average precision …', 'precise top-1 accuracy of …': a quantity asked for exactly is a figure
EXACT_FIGURE = re.compile(r"\b(?:exact(?!\s+match)|precise)\s+(?:[\w-]+\s+){0,3}?" + QUANTITY + r"\b", re.I)
# A figure checked ('… scored ~70 PCP; can you confirm that number?') or named by what the paper got ('X -- the number
# it gets on SST?', 'the accuracy they reached on Y'): a figure is asked (session 42)
CHECKED_FIGURE = re.compile(r"\b(?:confirm|verify|double-?check|check)\s+(?:that|this|the|their|its|those|these)\s+"
                            r"(?:[\w-]+\s+)?(?:number|figure|score|value)s?\b|"
                            r"\b" + QUANTITY + r"\s+(?:it|they|the\s+model|the\s+method)\s+(?:gets?|got|reach(?:es|ed)?|achieve[sd]?|"
                            r"score[sd]?|report(?:s|ed)?|obtain(?:s|ed)?|attain(?:s|ed)?)\b", re.I)


# Where one sentence of a question ends and the next begins: after '.', '!' or '?' before a capital (not after 'vs.',
# 'e.g.', 'i.e.', 'et al.', 'cf.'), or at a semicolon.
_SENTENCE_STOP = _NOT_ABBREVIATION + r"(?<=[.!?])\s+(?=[A-Z\"“‘'(])"
_SENTENCE_END = re.compile(_SENTENCE_STOP + r"|;\s+")
_FULL_STOP = re.compile(_SENTENCE_STOP)


def asked_sentences(question: str, semicolons: bool = True) -> str:
    """The sentences of a question that ask (end with '?'), where it also has others that set the scene ('Inference
    cost is not the issue; we want training itself to be cheaper. What in the collection addresses that?'); else the
    whole question. Without `semicolons`, a clause before a semicolon is part of the sentence that asks ('MEAL V2
    lifts a ResNet-18 to 73.19% top-1; from what accuracy does it start?')."""
    parts = [p for p in (_SENTENCE_END if semicolons else _FULL_STOP).split(question.strip()) if p.strip()]
    asks = [p for p in parts if p.rstrip().endswith("?")]
    return " ".join(asks) if asks and len(asks) < len(parts) else question


# An example asked of an abstract ('what example of such information does it give?', 'which example factors does it
# name?', 'give an example of …'): the sentence that gives one ('e.g.', 'such as') answers
EXAMPLE_ASKED = re.compile(r"\b(?:what|which|give|name|any|an|one|some)\s+examples?\s+(?:[\w-]+\s+)?(?:of|does|do|did|is|"
                           r"are|was|were)\b", re.I)


def asks_example(question: str) -> bool:
    return bool(EXAMPLE_ASKED.search(question))


# The asks of a question, joined by 'and' or 'but' before an interrogative or set as sentences of their own ('Which one
# in each case, and what does it cost in compute?'), and what asks a detail besides a figure or a name ('which GPUs')
_ASKING = r"(?:how|what|which|where|when|who|why|does|did|do|is|are|was|were|can|could|has|have)\b"
_ASK_SPLIT = re.compile(rf",?\s+(?:and|but)\s+(?=(?:(?:by|in|on|for|with|at|to|from)\s+)?{_ASKING})|(?<=\?)\s+", re.I)
# (opening the ask, or after a colon or a dash: 'A vs B: what …')
_INTERROGATIVE = re.compile(rf"(?:^|[:;—–]|\s-)\W*{_ASKING}", re.I)
_HARDWARE_ASKED = re.compile(r"\b(?:which|what)\s+(?:[\w-]+\s+)?(?:gpus?|tpus?|chips?|devices?|machines?)\b", re.I)


# Brackets that list what a topic covers, asking nothing ('(initialisation, size/shape, how many filters)'; not
# '(how many parameters?)')
BRACKETED_ITEMS = re.compile(r"\([^()?]*\)")
# A question that asks how a quantity is worked out ('how is that count of flipped predictions computed?', 'how did
# they measure the interference?'): a method, not a figure. Session 39: over the seen sets (dev, bundled and ACL
# v1-v96) the 19 questions it matches are method, comparison or unanswerable questions; none asks for a figure.
METHOD_ASKED = re.compile(r"\bhow (?:is|are|was|were|do|does|did)\b(?:(?!\b(?:and|but)\b)[^?,;])*?"
                          r"\b(?:comput|calculat|estimat|deriv|obtain|determin|measur)\w*", re.I)
# A question that asks which paper ('… — which paper?', 'what study shows this?'): the quantities it names describe
# the paper, unless an interrogative asks one ('which paper, and what accuracy does it reach?')
PAPER_ASKED = re.compile(r"\b(?:which|what)\s+(?:paper|work|study|article|publication)s?\b", re.I)


def asks_figure(question: str) -> bool:
    """Does the question ask for a figure: a quantity interrogative (NUMBER_Q), 'what …, in milliseconds?' or
    '…, in percent?' ('Mamba-ND ImageNet-1K top-1, in percent?'); not 'what is it called?', nor 'what do they
    score similarity with?' (a quantity word as the verb) unless another clause asks for one. A question whose
    sentences set a scene before asking asks a figure only where a sentence that asks does ('Inference cost is
    not the issue; … What in the collection addresses that?' asks none)."""
    asked = asked_sentences(question)
    if asked != question and not asks_figure(asked):
        return False
    opens_with_what = re.match(r"\W*(?:what|which)\b", question, re.I) or re.search(  # (or after a dash or a colon:
        r"(?:\s[—–-]|:)\s+(?:what|which)\b", question, re.I)  # 'The Turdis database — what is its duration in hours?')
    # (a quantity asked inside brackets is an item of a topic described: 'filter design (initialisation, size, how many
    # filters): is that paper here?')
    number = NUMBER_Q.search(BRACKETED_ITEMS.sub(" ", question))
    if number and PAPER_ASKED.search(question) and not _INTERROGATIVE.match(number.group(0)):
        number = None  # 'order-optimal rates for saddle-point problems — which paper?': the rates describe the paper
    figure = bool(number or (opens_with_what and IN_UNITS.search(question))) and not ASKS_WHAT_CALLED.search(question)
    figure = figure or bool(IN_PERCENT.search(question) or EXACT_FIGURE.search(question) or UNIT_APART.search(question)
                             or CHECKED_FIGURE.search(question))
    if figure and QUANTITY_AS_VERB.search(question):
        return bool(NUMBER_Q.search(QUANTITY_AS_VERB.sub(" ", question)))
    if figure and METHOD_ASKED.search(question):  # unless another clause asks a figure ('…, and how many GPUs?')
        return asks_figure(METHOD_ASKED.sub(" ", question))
    return figure


def asks_besides_figure(question: str) -> bool:
    """Does a question that asks a figure also ask something that is neither a figure nor a name ('Which one in each
    case, and what does it cost in compute?', 'what did they test it on: node-level or graph-level prediction, and
    how many datasets?')? Then a figure the abstract doesn't state leaves the rest to answer, and the answer says
    the figure is missing instead of refusing. Session 38: of the 1,092 seen figure questions (dev, bundled and ACL
    v1-v93), five answers change, all of answerable questions refused before (b51024, b64076, a87008, and b93024 and
    b93079, looked at); the unanswerable ones whose other part sets a scene or asks for hardware stay refused. Such a
    question may compare papers: its sides are read (`rag.answer._one_paper_asked`)."""
    parts = [p for p in _ASK_SPLIT.split(asked_sentences(question)) if p and p.strip()]
    return len(parts) > 1 and any(_INTERROGATIVE.search(p) and not asks_figure(p) and not WANTS_NAME.search(p)
                                  and not _HARDWARE_ASKED.search(p) for p in parts)


def _only_authorship(search: str) -> bool:
    return all(t.lower() in AUTHORSHIP for t in content_terms(search))


def _english_word(eng) -> Callable[[str], bool]:
    """Is a word English (the French and German dictionaries' English side, loaded on first use; no word is,
    without the dictionaries)?"""
    def is_word(word: str) -> bool:
        from rag.lexicon import load as load_lexicon

        lexicon = load_lexicon(eng.settings.lexicon_dir)
        return lexicon is not None and word in lexicon.english

    return is_word


def analyse(
    question: str,
    history: list[dict] | None = None,
    eng=None,
    filters: Filters | None = None,
    parse_filters: bool = True,
) -> Query:
    """Analyse a validated question once. `eng` supplies the corpus vocabulary for filters."""
    history = history or []
    search = question
    years_read = False
    if filters is None and parse_filters and eng is not None:
        from rag.filters import parse

        parsed = parse(question, eng.retriever.vocabulary, eng.retriever.authors, eng.lexical.papers)
        if parsed.filters.active():
            filters, search = parsed.filters, parsed.question
            years_read = bool(filters.year_min or filters.year_max)
            if filters.author and (_only_authorship(search) or _only_authorship(asked_sentences(search))):
                search = filters.author  # 'Johannes Brandstetter is listed as a co-author on one paper here.', 'I met
                # him at a conference. Is he an author on anything here?' (a sentence that sets the scene: session 37)
    doc_freq = getattr(getattr(eng, "lexical", None), "doc_freq", None)
    if doc_freq is not None and not non_english(question):  # 'generalise' as the collection writes it (rag.spelling)
        search = respell(search, doc_freq)
        terms = getattr(eng.lexical, "terms", None)  # (the engine backend keeps no vocabulary in memory)
        if isinstance(terms, set):  # 'text clasification' as the collection writes it (rag.typos)
            from rag.typos import correct_typos

            search = correct_typos(search, terms, doc_freq, _english_word(eng))
    thread = Thread.from_history(history)
    refs, ref_mode = resolve_references(question, thread)
    unknown = ""
    asked = AUTHOR_ASKED.search(question) if eng is not None and not (filters and filters.author) else None
    if asked:
        name = next(n for n in asked.group("name", "name2", "name3", "name4", "name5", "name6") if n)
        unknown = "" if eng.retriever.authors.lists(name) else name
    figure = asks_figure(question)
    intent = load_intent()
    p_list = intent.probability(question)
    foreign = non_english(question)
    gloss = ""
    if foreign and eng is not None:
        from rag.lexicon import load as load_lexicon

        lexicon = load_lexicon(eng.settings.lexicon_dir)
        known = None if doc_freq is None else (lambda word: doc_freq(word) > 0)  # the collection's own words
        gloss = lexicon.gloss(search, known, skip=_GENERIC | _ABOUT_VERBS) if lexicon is not None else ""
    unframed = _SIDE_BY_SIDE_PHRASE.sub("", search)  # 'A and B, side by side': the sides are A and B
    # (and the phrase, with what follows it, is no item: 'A and B, side by side for click and recommendation modelling')
    items, bare = enumeration(unframed)
    sides = () if items or not SIDE_BY_SIDE.search(search) else and_sides(unframed)
    names = _names(search)
    return Query(
        text=question,
        search=f"{search} ({gloss})" if gloss else search,  # names, aspects and detail: from the words typed
        gloss=gloss,
        filters=filters if filters is not None and filters.active() else None,
        years_read=years_read,
        named=names,
        negated=negated_names(search, names),
        wants_authors=bool(AUTHOR_Q.search(question)),
        wants_number=figure,
        figure_besides=figure and asks_besides_figure(question),
        wants_ratio=figure and bool(WANTS_RATIO.search(question)),
        evaluative=figure and bool(HOW_WELL.search(question)) and not NUMBER_Q.search(HOW_WELL.sub(" ", question))
        and not _NAMED_QUANTITY.search(question),
        count_unit=count_unit(search) if figure else frozenset(),
        wants_name=bool(WANTS_NAME.search(question)),
        wants_link=bool(WANTS_LINK.search(question)),
        wants_example=asks_example(question),
        aspects=items,
        items=bare,
        compares=bool(items) and bool(COMPARISON.search(search) or COMPARISON.search(_SCENE.sub("", search, count=1))
                                      or (len(items) == 2 and EACH_OF_TWO.search(search))),
        pairs=and_pairs(unframed) if sides else (),
        pair_sides=sides,
        foreign=foreign,
        list_intent=p_list,
        wants_list=p_list >= intent.cut,
        history=history,
        thread=thread,
        refs=refs,
        ref_mode=ref_mode,
        context=previous_context(history) if history else "",
        cited_context=cited_context(history) if history else "",
        cited_in_last=cited_in_last(history),
        previous_question=topic_question(history),
        unknown_author=unknown,
        data=data_names(search),
    )
