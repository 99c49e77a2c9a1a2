namespace NextStat.HistFactory.Modifiers;

/// <summary>
/// histosys: an additive shift per (modifier, sample, bin) slot, interpolated in α. Each slot carries two
/// precomputed coefficients p, q whose meaning depends on the code: (hi − nom, nom − lo) for code0 and code4p,
/// (a, b) = ((hi + lo)/2 − nom, (hi − lo)/2) for code2, so every sweep reads two dense arrays.
/// </summary>
internal static partial class HistoSysKernels
{
    /// <summary>pyhf code4p: α·up beyond α &gt; 1, α·down below −1, α·S + α²·A·(15 − 10α² + 3α⁴) inside.</summary>
    internal static double Code4pDelta(double alpha, double up, double down)
    {
        double s = 0.5 * (up + down);
        double a = 0.0625 * (up - down);
        double square = alpha * alpha;
        double inside = (square * ((square * ((square * 3.0) - 10.0)) + 15.0) * a) + (alpha * s);
        return alpha > 1.0 ? alpha * up : (alpha < -1.0 ? alpha * down : inside);
    }

    /// <summary>d/dα of <see cref="Code4pDelta"/>.</summary>
    internal static double Code4pDerivative(double alpha, double up, double down)
    {
        double s = 0.5 * (up + down);
        double a = 0.0625 * (up - down);
        double square = alpha * alpha;
        double inside = s + (alpha * a * (30.0 + (square * ((18.0 * square) - 40.0))));
        return alpha > 1.0 ? up : (alpha < -1.0 ? down : inside);
    }

    /// <summary>pyhf code0: α·up for α &gt; 0, α·down otherwise.</summary>
    internal static double Code0Delta(double alpha, double up, double down) => alpha > 0.0 ? alpha * up : alpha * down;

    /// <summary>d/dα of <see cref="Code0Delta"/>.</summary>
    internal static double Code0Derivative(double alpha, double up, double down) => alpha > 0.0 ? up : down;

    /// <summary>pyhf code2 with p = a, q = b (see <see cref="HistoSysInterpolation.Code2"/>).</summary>
    internal static double Code2Delta(double alpha, double a, double b) =>
        alpha > 1.0 ? (b + (2.0 * a)) * (alpha - 1.0) : (alpha >= -1.0 ? (a * alpha * alpha) + (b * alpha) : (b - (2.0 * a)) * (alpha + 1.0));

    /// <summary>d/dα of <see cref="Code2Delta"/>.</summary>
    internal static double Code2Derivative(double alpha, double a, double b) =>
        alpha > 1.0 ? b + (2.0 * a) : (alpha >= -1.0 ? (2.0 * a * alpha) + b : b - (2.0 * a));

    internal static void Code4pDeltas(Span<double> result, ReadOnlySpan<double> alpha, ReadOnlySpan<double> p, ReadOnlySpan<double> q)
    {
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = Code4pDelta(alpha[i], p[i], q[i]);
        }
    }

    internal static void Code4pDerivatives(Span<double> result, ReadOnlySpan<double> alpha, ReadOnlySpan<double> p, ReadOnlySpan<double> q)
    {
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = Code4pDerivative(alpha[i], p[i], q[i]);
        }
    }

    internal static void Code0Deltas(Span<double> result, ReadOnlySpan<double> alpha, ReadOnlySpan<double> p, ReadOnlySpan<double> q)
    {
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = Code0Delta(alpha[i], p[i], q[i]);
        }
    }

    internal static void Code0Derivatives(Span<double> result, ReadOnlySpan<double> alpha, ReadOnlySpan<double> p, ReadOnlySpan<double> q)
    {
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = Code0Derivative(alpha[i], p[i], q[i]);
        }
    }

    internal static void Code2Deltas(Span<double> result, ReadOnlySpan<double> alpha, ReadOnlySpan<double> p, ReadOnlySpan<double> q)
    {
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = Code2Delta(alpha[i], p[i], q[i]);
        }
    }

    internal static void Code2Derivatives(Span<double> result, ReadOnlySpan<double> alpha, ReadOnlySpan<double> p, ReadOnlySpan<double> q)
    {
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = Code2Derivative(alpha[i], p[i], q[i]);
        }
    }
}
