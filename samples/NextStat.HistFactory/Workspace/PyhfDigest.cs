using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace NextStat.HistFactory;

/// <summary>
/// pyhf's digest of a JSON document (<c>pyhf.utils.digest</c>): the hash of the UTF-8 bytes of Python's
/// <c>json.dumps(obj, sort_keys=True, ensure_ascii=False)</c>. Patch sets record it for the background-only
/// workspace they were made for, so reproducing Python's text byte for byte is what lets us refuse a patch set
/// applied to another workspace, as pyhf does.
/// </summary>
public static class PyhfDigest
{
    /// <summary>The algorithms pyhf patch sets name that this implementation computes (hashlib names).</summary>
    public static IReadOnlyList<string> Algorithms { get; } = ["md5", "sha1", "sha256", "sha384", "sha512"];

    /// <summary>The lowercase hex digest of <paramref name="document"/> with <paramref name="algorithm"/> (a hashlib name).</summary>
    /// <exception cref="ArgumentException">The algorithm is not one of <see cref="Algorithms"/>.</exception>
    public static string Compute(JsonNode? document, string algorithm = "sha256")
    {
        ArgumentNullException.ThrowIfNull(algorithm);
        byte[] text = Encoding.UTF8.GetBytes(PythonJson(document));
        byte[] hash = algorithm switch
        {
            "md5" => MD5.HashData(text),
            "sha1" => SHA1.HashData(text),
            "sha256" => SHA256.HashData(text),
            "sha384" => SHA384.HashData(text),
            "sha512" => SHA512.HashData(text),
            _ => throw new ArgumentException($"digest algorithm '{algorithm}' is not supported (supported: {string.Join(", ", Algorithms)})", nameof(algorithm)),
        };
        return Convert.ToHexStringLower(hash);
    }

    /// <summary>The text Python's <c>json.dumps(obj, sort_keys=True, ensure_ascii=False)</c> writes for the document.</summary>
    public static string PythonJson(JsonNode? document)
    {
        var builder = new StringBuilder();
        Write(builder, document);
        return builder.ToString();
    }

    private static void Write(StringBuilder builder, JsonNode? node)
    {
        switch (node)
        {
            case null:
                builder.Append("null");
                break;
            case JsonObject obj:
                builder.Append('{');
                bool first = true;
                foreach (KeyValuePair<string, JsonNode?> member in obj.OrderBy(m => m.Key, CodePointComparer.Instance))
                {
                    if (!first)
                    {
                        builder.Append(", ");
                    }

                    first = false;
                    WriteString(builder, member.Key);
                    builder.Append(": ");
                    Write(builder, member.Value);
                }

                builder.Append('}');
                break;
            case JsonArray array:
                builder.Append('[');
                for (int i = 0; i < array.Count; i++)
                {
                    if (i > 0)
                    {
                        builder.Append(", ");
                    }

                    Write(builder, array[i]);
                }

                builder.Append(']');
                break;
            default:
                WriteValue(builder, node.AsValue());
                break;
        }
    }

    private static void WriteValue(StringBuilder builder, JsonValue value)
    {
        switch (value.GetValueKind())
        {
            case JsonValueKind.String:
                WriteString(builder, value.GetValue<string>());
                break;
            case JsonValueKind.True:
                builder.Append("true");
                break;
            case JsonValueKind.False:
                builder.Append("false");
                break;
            case JsonValueKind.Null:
                builder.Append("null");
                break;
            default:
                WriteNumber(builder, value.ToJsonString());
                break;
        }
    }

    // Python's json module reads a number without fraction or exponent as an exact int and any other as a float.
    private static void WriteNumber(StringBuilder builder, string token)
    {
        if (token.AsSpan().IndexOfAny('.', 'e', 'E') < 0)
        {
            builder.Append(BigInteger.Parse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture));
            return;
        }

        double x = double.Parse(token, NumberStyles.Float, CultureInfo.InvariantCulture);
        if (!double.IsFinite(x))
        {
            // Python spells the overflowed literal as its own extension.
            builder.Append(double.IsNegative(x) ? "-Infinity" : "Infinity");
            return;
        }

        builder.Append(PythonRepr(x));
    }

    /// <summary>Python's <c>repr(float)</c>: the shortest round-trip digits, positional for exponents −4 … 15, else <c>d.ddde±XX</c>.</summary>
    internal static string PythonRepr(double x)
    {
        if (x == 0.0)
        {
            return double.IsNegative(x) ? "-0.0" : "0.0";
        }

        // .NET's "R" gives the same shortest round-trip digits as Python; only the layout differs.
        string r = Math.Abs(x).ToString("R", CultureInfo.InvariantCulture);
        int e = r.IndexOf('E', StringComparison.Ordinal);
        string mantissa = e < 0 ? r : r[..e];
        int exponent = e < 0 ? 0 : int.Parse(r.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        int point = mantissa.IndexOf('.', StringComparison.Ordinal);
        string digits = point < 0 ? mantissa : mantissa.Remove(point, 1);
        int decimalPoint = (point < 0 ? mantissa.Length : point) + exponent;
        int lead = 0;
        while (lead < digits.Length - 1 && digits[lead] == '0')
        {
            lead++;
        }

        digits = digits[lead..].TrimEnd('0');
        decimalPoint -= lead;

        var text = new StringBuilder(32);
        if (x < 0)
        {
            text.Append('-');
        }

        if (decimalPoint > -4 && decimalPoint <= 16)
        {
            if (decimalPoint <= 0)
            {
                text.Append("0.").Append('0', -decimalPoint).Append(digits);
            }
            else if (decimalPoint >= digits.Length)
            {
                text.Append(digits).Append('0', decimalPoint - digits.Length).Append(".0");
            }
            else
            {
                text.Append(digits, 0, decimalPoint).Append('.').Append(digits, decimalPoint, digits.Length - decimalPoint);
            }
        }
        else
        {
            text.Append(digits[0]);
            if (digits.Length > 1)
            {
                text.Append('.').Append(digits, 1, digits.Length - 1);
            }

            int shown = decimalPoint - 1;
            text.Append('e').Append(shown < 0 ? '-' : '+').Append(Math.Abs(shown).ToString("00", CultureInfo.InvariantCulture));
        }

        return text.ToString();
    }

    // ensure_ascii=False escapes only the quote, the backslash and control characters below U+0020.
    private static void WriteString(StringBuilder builder, string s)
    {
        builder.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                case '\b': builder.Append("\\b"); break;
                case '\f': builder.Append("\\f"); break;
                default:
                    if (c < ' ')
                    {
                        builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        builder.Append(c);
                    }

                    break;
            }
        }

        builder.Append('"');
    }

    // Python sorts str keys by code point; UTF-16 ordinal order differs from it above the surrogate range.
    private sealed class CodePointComparer : IComparer<string>
    {
        public static readonly CodePointComparer Instance = new();

        public int Compare(string? x, string? y)
        {
            StringRuneEnumerator a = (x ?? string.Empty).EnumerateRunes();
            StringRuneEnumerator b = (y ?? string.Empty).EnumerateRunes();
            while (true)
            {
                bool hasA = a.MoveNext();
                bool hasB = b.MoveNext();
                if (!hasA || !hasB)
                {
                    return hasA.CompareTo(hasB);
                }

                int c = a.Current.Value.CompareTo(b.Current.Value);
                if (c != 0)
                {
                    return c;
                }
            }
        }
    }
}
