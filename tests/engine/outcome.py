"""What a person sees of an assessment: its care level and the red flags that fired."""


def level_of(out):
    return out["triage"]["level"]


def flags(out):
    return [f["id"] for f in out["red_flags"]]
