namespace NextStat.Kernels.Fitting;

/// <summary>
/// Optionally implemented by an <see cref="IObjectiveEvaluator"/> that computes its Hessian analytically; the
/// minimizer then uses it instead of finite differences of the gradient.
/// </summary>
public interface IHessianEvaluator
{
    /// <summary>Writes the n×n Hessian at <paramref name="parameters"/> row-major into <paramref name="hessian"/>.</summary>
    void Hessian(ReadOnlySpan<double> parameters, Span<double> hessian);
}
