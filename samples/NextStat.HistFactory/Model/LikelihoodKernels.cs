using NextStat.Kernels;

namespace NextStat.HistFactory;

/// <summary>
/// The per-bin and per-entry likelihood math: yields from the additive stage and the factor products, the Poisson
/// main term and its derivative weights, and the Gaussian and Poisson constraint terms.
/// </summary>
internal static partial class LikelihoodKernels
{
    /// <summary>Yield of one (channel, sample, bin) entry: 0 when a factor is exactly zero, else shifted nominal × product.</summary>
    internal static double Yield(double shifted, double product, double zeroCount) => zeroCount > 0.0 ? 0.0 : shifted * product;

    /// <summary>The parameter-dependent part of −ln Pois(n | λ) with xlogy(0, λ) = 0: λ − n ln λ.</summary>
    internal static double PoissonTerm(double lambda, double observed) =>
        lambda - (observed > 0.0 ? observed * KernelMath.Log(lambda) : 0.0);

    /// <summary>d twice_nll / d λ = 2 (1 − n/λ).</summary>
    internal static double PoissonWeight(double lambda, double observed) =>
        observed > 0.0 ? 2.0 * (1.0 - (observed / lambda)) : 2.0;

    /// <summary>Squared pull ((θ − aux)/σ)² of a Gaussian constraint.</summary>
    internal static double GaussianTerm(double theta, double aux, double inverseSigma)
    {
        double pull = (theta - aux) * inverseSigma;
        return pull * pull;
    }

    /// <summary>d/dθ of the squared pull: 2 (θ − aux)/σ².</summary>
    internal static double GaussianDerivative(double theta, double aux, double inverseSigma) =>
        2.0 * (theta - aux) * inverseSigma * inverseSigma;

    /// <summary>The γ-dependent part of −ln Pois(aux | γτ): γτ − aux·ln γ (with xlogy(0, ·) = 0).</summary>
    internal static double PoissonConstraintTerm(double gamma, double tau, double aux) =>
        (gamma * tau) - (aux > 0.0 ? aux * KernelMath.Log(gamma) : 0.0);

    /// <summary>d/dγ of twice the Poisson constraint term: 2 (τ − aux/γ).</summary>
    internal static double PoissonConstraintDerivative(double gamma, double tau, double aux) =>
        2.0 * (tau - (aux > 0.0 ? aux / gamma : 0.0));

    /// <summary>Weight of d twice_nll / d ln f for an entry: g·y (zero when the yield is forced to zero).</summary>
    internal static double LogFactorWeight(double weight, double yield) => weight * yield;

    /// <summary>Weight for the single exactly-zero factor of an entry: g·s·(product of the other factors).</summary>
    internal static double ZeroFactorWeight(double weight, double shifted, double product, double zeroCount) =>
        zeroCount == 1.0 ? weight * shifted * product : 0.0;

    /// <summary>d twice_nll / d s for the additive stage: g × (product of all factors).</summary>
    internal static double ShiftWeight(double weight, double product, double zeroCount) => zeroCount > 0.0 ? 0.0 : weight * product;

    [MapKernel(nameof(Yield))]
    internal static partial void Yields(Span<double> result, ReadOnlySpan<double> shifted, ReadOnlySpan<double> product, ReadOnlySpan<double> zeroCount, KernelContext? context = null);

    [SumKernel(nameof(PoissonTerm))]
    internal static partial double SumPoisson(ReadOnlySpan<double> lambda, ReadOnlySpan<double> observed, KernelContext? context = null);

    [MapKernel(nameof(PoissonWeight))]
    internal static partial void PoissonWeights(Span<double> result, ReadOnlySpan<double> lambda, ReadOnlySpan<double> observed, KernelContext? context = null);

    [SumKernel(nameof(GaussianTerm))]
    internal static partial double SumGaussian(ReadOnlySpan<double> theta, ReadOnlySpan<double> aux, ReadOnlySpan<double> inverseSigma, KernelContext? context = null);

    [MapKernel(nameof(GaussianDerivative))]
    internal static partial void GaussianDerivatives(Span<double> result, ReadOnlySpan<double> theta, ReadOnlySpan<double> aux, ReadOnlySpan<double> inverseSigma, KernelContext? context = null);

    [SumKernel(nameof(PoissonConstraintTerm))]
    internal static partial double SumPoissonConstraint(ReadOnlySpan<double> gamma, ReadOnlySpan<double> tau, ReadOnlySpan<double> aux, KernelContext? context = null);

    [MapKernel(nameof(PoissonConstraintDerivative))]
    internal static partial void PoissonConstraintDerivatives(Span<double> result, ReadOnlySpan<double> gamma, ReadOnlySpan<double> tau, ReadOnlySpan<double> aux, KernelContext? context = null);

    [MapKernel(nameof(LogFactorWeight))]
    internal static partial void LogFactorWeights(Span<double> result, ReadOnlySpan<double> weight, ReadOnlySpan<double> yield, KernelContext? context = null);

    [MapKernel(nameof(ZeroFactorWeight))]
    internal static partial void ZeroFactorWeights(Span<double> result, ReadOnlySpan<double> weight, ReadOnlySpan<double> shifted, ReadOnlySpan<double> product, ReadOnlySpan<double> zeroCount, KernelContext? context = null);

    [MapKernel(nameof(ShiftWeight))]
    internal static partial void ShiftWeights(Span<double> result, ReadOnlySpan<double> weight, ReadOnlySpan<double> product, ReadOnlySpan<double> zeroCount, KernelContext? context = null);
}
