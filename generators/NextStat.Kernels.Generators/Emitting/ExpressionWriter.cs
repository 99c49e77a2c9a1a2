using System;
using System.Globalization;
using System.Linq;
using NextStat.Kernels.Generators.Model;

namespace NextStat.Kernels.Generators.Emitting;

/// <summary>The widths a kernel is written for.</summary>
internal enum Width
{
    Scalar,
    Vector128,
    Vector256,
    Vector512,
}

/// <summary>
/// Writes a lowered element expression as C# for one width. Every width gets the same operations in the same order
/// (no reassociation, no FMA contraction), which is what makes lanes bitwise equal to the scalar loop.
/// </summary>
internal static class ExpressionWriter
{
    public const string KernelMath = "global::NextStat.Kernels.KernelMath";

    public static string VectorClass(Width width) => width switch
    {
        Width.Vector128 => "global::System.Runtime.Intrinsics.Vector128",
        Width.Vector256 => "global::System.Runtime.Intrinsics.Vector256",
        Width.Vector512 => "global::System.Runtime.Intrinsics.Vector512",
        _ => throw new ArgumentOutOfRangeException(nameof(width)),
    };

    public static string Suffix(Width width) => width switch
    {
        Width.Vector128 => "128",
        Width.Vector256 => "256",
        Width.Vector512 => "512",
        _ => "Scalar",
    };

    public static string ElementKeyword(ElementType type) => type == ElementType.Float ? "float" : "double";

    public static string VectorType(Width width, ElementType type) =>
        width == Width.Scalar ? ElementKeyword(type) : $"{VectorClass(width)}<{ElementKeyword(type)}>";

    /// <summary>Elements per vector of <paramref name="width"/>.</summary>
    public static int Lanes(Width width, ElementType type)
    {
        int bytes = width switch
        {
            Width.Vector128 => 16,
            Width.Vector256 => 32,
            Width.Vector512 => 64,
            _ => type == ElementType.Float ? 4 : 8,
        };
        return bytes / (type == ElementType.Float ? 4 : 8);
    }

    /// <summary>
    /// Writes <paramref name="expression"/> for <paramref name="width"/>. With <paramref name="rangeMask"/> (the name
    /// of a vector local), ln and exp become KernelMath's unchecked forms, which clear that mask's lanes whose
    /// argument needs the special-value path instead of branching to it. <paramref name="elementAddress"/> gives, for
    /// the name of an element loaded from a span, the pointer it was loaded from: an unchecked ln of such an element
    /// reads its table offsets from memory. <paramref name="node"/>, when it returns text for a node, replaces the
    /// default writing of that node and its operands (tile kernels write loads and lane-uniform parts their way).
    /// </summary>
    public static string Write(
        ElementExpr expression,
        Width width,
        ElementType type,
        string? rangeMask = null,
        Func<string, string?>? elementAddress = null,
        Func<ElementExpr, string?>? node = null)
    {
        if (node?.Invoke(expression) is { } replaced)
        {
            return replaced;
        }

        bool scalar = width == Width.Scalar;
        string v = scalar ? string.Empty : VectorClass(width);
        string W(ElementExpr e) => Write(e, width, type, rangeMask, elementAddress, node);

        switch (expression)
        {
            case ConstantExpr constant:
                return scalar ? Literal(constant.Value, type) : $"{v}.Create({Literal(constant.Value, type)})";
            case NameExpr name:
                return name.Name;
            case UnaryExpr { Operator: UnaryOperator.Negate } unary:
                return $"(-{W(unary.Operand)})";
            case UnaryExpr unary:
                return scalar ? $"(!{W(unary.Operand)})" : $"(~{W(unary.Operand)})";
            case BinaryExpr binary:
                return WriteBinary(binary, scalar, v, W);
            case ConditionalExpr conditional:
                return scalar
                    ? $"({W(conditional.Condition)} ? {W(conditional.WhenTrue)} : {W(conditional.WhenFalse)})"
                    : $"{v}.ConditionalSelect({W(conditional.Condition)}, {W(conditional.WhenTrue)}, {W(conditional.WhenFalse)})";
            case CallExpr call:
                return WriteCall(call, scalar, v, type, rangeMask, elementAddress, W);
            default:
                throw new ArgumentOutOfRangeException(nameof(expression));
        }
    }

    private static string WriteBinary(BinaryExpr binary, bool scalar, string v, Func<ElementExpr, string> w)
    {
        string left = w(binary.Left);
        string right = w(binary.Right);
        string? symbol = binary.Operator switch
        {
            BinaryOperator.Add => "+",
            BinaryOperator.Subtract => "-",
            BinaryOperator.Multiply => "*",
            BinaryOperator.Divide => "/",
            BinaryOperator.And => scalar ? "&&" : "&",
            BinaryOperator.Or => scalar ? "||" : "|",
            _ => null,
        };
        if (symbol is not null)
        {
            return $"({left} {symbol} {right})";
        }

        if (scalar)
        {
            string comparison = binary.Operator switch
            {
                BinaryOperator.LessThan => "<",
                BinaryOperator.LessThanOrEqual => "<=",
                BinaryOperator.GreaterThan => ">",
                BinaryOperator.GreaterThanOrEqual => ">=",
                BinaryOperator.Equal => "==",
                _ => "!=",
            };
            return $"({left} {comparison} {right})";
        }

        return binary.Operator switch
        {
            BinaryOperator.LessThan => $"{v}.LessThan({left}, {right})",
            BinaryOperator.LessThanOrEqual => $"{v}.LessThanOrEqual({left}, {right})",
            BinaryOperator.GreaterThan => $"{v}.GreaterThan({left}, {right})",
            BinaryOperator.GreaterThanOrEqual => $"{v}.GreaterThanOrEqual({left}, {right})",
            BinaryOperator.Equal => $"{v}.Equals({left}, {right})",
            _ => $"(~{v}.Equals({left}, {right}))",
        };
    }

    private static string WriteCall(
        CallExpr call, bool scalar, string v, ElementType type, string? rangeMask, Func<string, string?>? elementAddress, Func<ElementExpr, string> w)
    {
        string args = string.Join(", ", call.Arguments.Select(w));
        string math = type == ElementType.Float ? "global::System.MathF" : "global::System.Math";
        string? address = call.Arguments.Count == 1 && call.Arguments[0] is NameExpr name ? elementAddress?.Invoke(name.Name) : null;
        return call.Function switch
        {
            MathFunction.Log when rangeMask is not null && address is not null => $"{KernelMath}.LogUnchecked({args}, {address}, ref {rangeMask})",
            MathFunction.Log => rangeMask is null ? $"{KernelMath}.Log({args})" : $"{KernelMath}.LogUnchecked({args}, ref {rangeMask})",
            MathFunction.Exp => rangeMask is null ? $"{KernelMath}.Exp({args})" : $"{KernelMath}.ExpUnchecked({args}, ref {rangeMask})",
            MathFunction.Sqrt => scalar ? $"{math}.Sqrt({args})" : $"{v}.Sqrt({args})",
            MathFunction.Abs => scalar ? $"{math}.Abs({args})" : $"{v}.Abs({args})",
            MathFunction.Min => scalar ? $"{math}.Min({args})" : $"{v}.Min({args})",
            MathFunction.Max => scalar ? $"{math}.Max({args})" : $"{v}.Max({args})",
            _ => scalar ? $"{math}.FusedMultiplyAdd({args})" : $"{v}.FusedMultiplyAdd({args})",
        };
    }

    /// <summary>A C# literal that round-trips <paramref name="value"/> exactly.</summary>
    public static string Literal(double value, ElementType type)
    {
        string keyword = ElementKeyword(type);
        if (double.IsNaN(value))
        {
            return $"{keyword}.NaN";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? $"{keyword}.PositiveInfinity" : $"{keyword}.NegativeInfinity";
        }

        string text = type == ElementType.Float
            ? ((float)value).ToString("R", CultureInfo.InvariantCulture) + "f"
            : value.ToString("R", CultureInfo.InvariantCulture);
        if (type == ElementType.Double && text.IndexOfAny(['.', 'E']) < 0)
        {
            text += ".0";
        }

        return text.StartsWith("-", StringComparison.Ordinal) ? $"({text})" : text;
    }
}
