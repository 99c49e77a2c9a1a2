using NextStat.Kernels;

namespace NextStat.Kernels.Tests;

/// <summary>
/// Kernels the property tests run. Element methods are internal so tests can evaluate them directly as the scalar
/// reference (plain C#, Math.*).
/// </summary>
public static partial class Poisson
{
    internal static double Term(double lambda, double n) => lambda - n * Math.Log(lambda);

    [SumKernel(nameof(Term))]
    public static partial double NllSum(ReadOnlySpan<double> lambda, ReadOnlySpan<double> n, KernelContext? context = null);

    internal static double Scale(double x, double factor) => x * factor;

    [UpdateKernel(nameof(Scale))]
    public static partial void ScaleInPlace(Span<double> x, double factor, KernelContext? context = null);

    internal static double Interp(double lo, double nom, double hi, double alpha) =>
        alpha >= 0 ? nom + alpha * (hi - nom) : nom + alpha * (nom - lo);

    [MapKernel(nameof(Interp))]
    public static partial void Interpolate(Span<double> result, ReadOnlySpan<double> lo, ReadOnlySpan<double> nom, ReadOnlySpan<double> hi, double alpha, KernelContext? context = null);

    internal static (double Value, double DLambda) TermAndGrad(double lambda, double n) =>
        (lambda - n * Math.Log(lambda), 1 - n / lambda);

    [SumKernel(nameof(TermAndGrad))]
    public static partial (double Value, double DLambda) NllAndGradSums(ReadOnlySpan<double> lambda, ReadOnlySpan<double> n, KernelContext? context = null);
}

/// <summary>Arithmetic-only kernels: every width must equal the scalar reference bit for bit.</summary>
public static partial class Arithmetic
{
    internal static double Poly(double x, double y)
    {
        var square = x * x;
        var mixed = Math.FusedMultiplyAdd(x, y, -0.5);
        return square * square - mixed / (Math.Abs(y) + 1.0) + Math.Sqrt(Math.Abs(x)) + Math.Min(x, y) * Math.Max(x, -y);
    }

    [MapKernel(nameof(Poly))]
    public static partial void PolyMap(Span<double> result, ReadOnlySpan<double> x, ReadOnlySpan<double> y, KernelContext? context = null);

    [SumKernel(nameof(Poly))]
    public static partial double PolySum(ReadOnlySpan<double> x, ReadOnlySpan<double> y, KernelContext? context = null);

    [KernelFunction]
    internal static double Clamp01(double v) => Math.Min(Math.Max(v, 0.0), 1.0);

    internal static double Select(double x, double y)
    {
        bool inside = x > -1 && x < 1 || !(y <= 0);
        return inside ? Clamp01(x) : -y;
    }

    [MapKernel(nameof(Select))]
    public static partial void SelectMap(Span<double> result, ReadOnlySpan<double> x, ReadOnlySpan<double> y, KernelContext? context = null);

    internal static float Hypot(float a, float b) => MathF.Sqrt(a * a + b * b);

    [MapKernel(nameof(Hypot))]
    public static partial void HypotMap(Span<float> result, ReadOnlySpan<float> a, ReadOnlySpan<float> b, KernelContext? context = null);

    [SumKernel(nameof(Hypot))]
    public static partial float HypotSum(ReadOnlySpan<float> a, ReadOnlySpan<float> b, KernelContext? context = null);

    internal static double Identity(double x) => x;

    [SumKernel(nameof(Identity))]
    public static partial double Total(ReadOnlySpan<double> x, KernelContext? context = null);

    internal static double Fifth(double x) => Math.Pow(x, 5) + Math.Pow(x, -2);

    [MapKernel(nameof(Fifth))]
    public static partial void FifthMap(Span<double> result, ReadOnlySpan<double> x, KernelContext? context = null);

    internal static (double Sum, double Product) SumAndProduct(double a, double b) => (a + b, a * b);

    [MapKernel(nameof(SumAndProduct))]
    public static partial void SumAndProductMap(Span<double> sum, Span<double> product, ReadOnlySpan<double> a, ReadOnlySpan<double> b, KernelContext? context = null);
}

/// <summary>Kernels that call the vector logarithm and exponential: widths agree bitwise, Math.* within the ulp bound.</summary>
public static partial class Transcendental
{
    internal static double LogTerm(double lambda, double n) => lambda - n * Math.Log(lambda);

    [MapKernel(nameof(LogTerm))]
    public static partial void LogTermMap(Span<double> result, ReadOnlySpan<double> lambda, ReadOnlySpan<double> n, KernelContext? context = null);

    internal static double Exponential(double x) => Math.Exp(x);

    [MapKernel(nameof(Exponential))]
    public static partial void ExpMap(Span<double> result, ReadOnlySpan<double> x, KernelContext? context = null);

    internal static double Logarithm(double x) => Math.Log(x);

    [MapKernel(nameof(Logarithm))]
    public static partial void LogMap(Span<double> result, ReadOnlySpan<double> x, KernelContext? context = null);
}

/// <summary>
/// Tile kernels: a fold with a product and a sum accumulator whose branch depends on a per-row value only (a branch
/// in vector code), one with a per-lane condition (a select), and an update with a per-lane weight and a per-row branch.
/// </summary>
public static partial class Tiles
{
    [KernelFunction]
    internal static double Excess(double alpha, double a1, double a2) => Math.FusedMultiplyAdd(a2, alpha, a1) * alpha;

    internal static (double Product, double Exponent) Factor(double product, double exponent, double alpha, double power, double scale, double a1, double a2, double lnHi)
    {
        bool polynomial = power == 0.0;
        return (polynomial ? Math.FusedMultiplyAdd(product, Excess(alpha, a1, a2) * scale, product) : product,
            polynomial ? exponent : Math.FusedMultiplyAdd(alpha, lnHi, exponent));
    }

    [TileFoldKernel(nameof(Factor), TileCombine.Product, TileCombine.Sum, SideFields = 1)]
    public static partial void Products(TileLayout tiles, Span<double> product, Span<double> exponent, ReadOnlySpan<double> alpha, ReadOnlySpan<double> power, double scale, KernelContext? context = null);

    /// <summary>A per-lane condition combined with a per-row one (a mask broadcast from a branch-free scalar test).</summary>
    internal static double Clipped(double sum, double c, double x) => sum + ((x > c && c > 0.0) ? c : x * c);

    [TileFoldKernel(nameof(Clipped), TileCombine.Sum)]
    public static partial void ClippedSums(TileLayout tiles, Span<double> sum, ReadOnlySpan<double> c, KernelContext? context = null);

    internal static (double OnA, double OnB) Project(double onA, double onB, double weight, double alpha, double a1, double a2) =>
        (Math.FusedMultiplyAdd(a1, weight, onA), alpha > 0.0 ? Math.FusedMultiplyAdd(a2 * alpha, weight, onB) : onB - (a2 * weight));

    [TileUpdateKernel(nameof(Project))]
    public static partial void Projections(TileLayout tiles, Span<double> onA, Span<double> onB, [PerLane] ReadOnlySpan<double> weight, ReadOnlySpan<double> alpha, KernelContext? context = null);
}
