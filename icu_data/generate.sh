#!/usr/bin/env bash
# Regenerates the ICU4X data the formats use (`src/locale.rs`): only the markers the app
# formats with, only for the locales it ships (Spanish and English, each region of
# `src/domain/region.rs`). The compiled data of the icu crates covers every CLDR locale;
# this keeps the binary small. Run it after changing the formats, the regions or the
# icu crates' version (keep `icu4x-datagen` at the version of `icu_datetime`).
#
# Needs (none of it at build time, only to regenerate):
#   cargo install icu4x-datagen@2.1.1 --no-default-features --features provider,baked_exporter,experimental,rayon --locked
#   npm, for CLDR's JSON (version 48, which ICU4X 2.1 reads), and python3
#   Debian's icu-devtools, for `icuexportdata`: the currency formats' spacing rules name
#   Unicode properties, which datagen reads from ICU's export (published only on GitHub
#   otherwise). ICU 72's export lacks the `values` table that ICU4X 2.1 reads from
#   `gc.toml`, so it is added below.
set -euo pipefail
cd "$(dirname "$0")/data"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

( cd "$WORK" && npm install --silent --no-audit --no-fund \
    cldr-core@48.0.0 cldr-dates-full@48.0.0 cldr-numbers-full@48.0.0 cldr-misc-full@48.0.0 cldr-bcp47@48.2.0 )
# The Gregorian era names are checked against the Japanese calendar's `und` data, which npm
# carries only in the "modern" package (43.1.0; its eras are the same).
npm install --silent --no-audit --no-fund --legacy-peer-deps --prefix "$WORK/jp" \
  cldr-cal-japanese-modern@43.1.0
ln -s "$WORK/jp/node_modules/cldr-cal-japanese-modern" "$WORK/node_modules/cldr-cal-japanese-full"

mkdir -p "$WORK/icuexport/uprops/small"
icuexportdata -m uprops --trie-type small -d "$WORK/icuexport/uprops/small" --all -q
python3 - "$WORK/icuexport/uprops/small/gc.toml" <<'PY'
import sys
names = [("Cn", "Unassigned"), ("Lu", "Uppercase_Letter"), ("Ll", "Lowercase_Letter"),
    ("Lt", "Titlecase_Letter"), ("Lm", "Modifier_Letter"), ("Lo", "Other_Letter"),
    ("Mn", "Nonspacing_Mark"), ("Me", "Enclosing_Mark"), ("Mc", "Spacing_Mark"),
    ("Nd", "Decimal_Number"), ("Nl", "Letter_Number"), ("No", "Other_Number"),
    ("Zs", "Space_Separator"), ("Zl", "Line_Separator"), ("Zp", "Paragraph_Separator"),
    ("Cc", "Control"), ("Cf", "Format"), ("Co", "Private_Use"), ("Cs", "Surrogate"),
    ("Pd", "Dash_Punctuation"), ("Ps", "Open_Punctuation"), ("Pe", "Close_Punctuation"),
    ("Pc", "Connector_Punctuation"), ("Po", "Other_Punctuation"), ("Sm", "Math_Symbol"),
    ("Sc", "Currency_Symbol"), ("Sk", "Modifier_Symbol"), ("So", "Other_Symbol"),
    ("Pi", "Initial_Punctuation"), ("Pf", "Final_Punctuation")]
path = sys.argv[1]
text = open(path).read()
assert 'short_name = "gc"\n' in text, "gc.toml has a layout this script does not know"
assert "\nvalues = [" not in text, "this ICU exports the values itself: drop this patch"
values = "values = [\n" + "".join(
    f'  {{discr={i}, long="{long}", short="{short}"}},\n' for i, (short, long) in enumerate(names)
) + "]\n"
open(path, "w").write(text.replace('short_name = "gc"\n', 'short_name = "gc"\n' + values, 1))
PY

# Each language alone and with each region (`Reader::locale`), with the ancestors they fall
# back to (`es-MX` → `es-419` → `es`, `en-ES` → `en-150` → `en-001` → `en`) but without the
# rest of their family ("@": no descendants; a plain `es` would bring every `es-*`), and
# the root alone (`@und`: data that is not by language, such as the digits of each
# numbering system, lives there).
locales=(@und @en @es)
for region in AR BO CL CO CR CU DO EC ES GT HN MX NI PA PE PR PY SV US UY VE; do
  locales+=("@es-$region" "@en-$region")
done
icu4x-datagen --format baked --use-separate-crates --overwrite -o "$WORK/out" \
  --cldr-root "$WORK/node_modules" --icuexport-root "$WORK/icuexport" \
  --locales "${locales[@]}" \
  --markers DatetimePatternsDateGregorianV1 DatetimePatternsTimeV1 DatetimePatternsGlueV1 \
    DatetimeNamesYearGregorianV1 DatetimeNamesMonthGregorianV1 DatetimeNamesDayperiodV1 \
    DecimalSymbolsV1 DecimalDigitsV1 PluralsCardinalV1 CurrencyEssentialsV1 \
    LongSecondRelativeV1 LongMinuteRelativeV1 LongHourRelativeV1 LongDayRelativeV1
# Replaced only once the new data is complete.
find . -name '*.rs.data' -delete
cp "$WORK/out"/* .
