"""Twelve risk and twelve ordinary messages: the tiny training set the learned risk models' unit tests share."""
RISK = ["i want to die", "i'm going to end my life", "nobody would miss me if i was gone",
        "i keep wanting to hurt myself", "i can't go on living like this", "i wish i could disappear forever",
        "i've been thinking of killing myself", "there's no point in being alive", "i want to cut myself again",
        "i wrote goodbye letters to my family", "i'm better off dead", "life isn't worth living anymore"]
NONE = ["my back is killing me", "how do i stretch my lower back", "i'm stressed about work",
        "what's the max ibuprofen per day", "the comedian killed it last night", "i could die of embarrassment",
        "my grandad died last year", "how should i sit at my desk", "can stress cause back pain",
        "i'm dying to try yoga", "breathing exercise please", "does massage help with tension"]
