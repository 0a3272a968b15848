"""National Provider Identifier check digit (CMS: Luhn over the 9 digits prefixed with 80840)."""

NPI_PREFIX = "80840"  # the health-industry prefix CMS adds before the Luhn computation


def luhn_valid(digits: str) -> bool:
    if not digits.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def npi_valid(npi: str) -> bool:
    """Ten digits whose last is the check digit of the first nine (with the 80840 prefix)."""
    return len(npi) == 10 and npi.isascii() and npi.isdigit() and luhn_valid(NPI_PREFIX + npi)
