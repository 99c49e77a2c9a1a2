using System.Globalization;

namespace NextStat.Kernels.Fitting;

/// <summary>
/// A bounded minimizer for smooth objectives with analytic gradients, built for likelihood fits of tens to a few
/// hundred parameters with very different scales and parameters that end on a bound (a signal strength at 0).
/// </summary>
/// <remarks>
/// <para>The method, in three phases:</para>
/// <list type="number">
/// <item>A forward-difference Hessian of the gradient at the start point, inverted, as the first inverse-Hessian
/// approximation, so the first steps are already scaled correctly whatever the parameters' units (or, for fits
/// started near a known minimum, the <see cref="FitInput.StartCovariance"/> of an earlier fit, which costs nothing).</item>
/// <item>Projected BFGS with an active set (Bertsekas' projected quasi-Newton): a free parameter on a bound whose
/// gradient points outwards is held there; the search direction −B·g runs over the others; steps are projected onto
/// the box and accepted by an Armijo test along the projection arc. Bounds are honoured exactly and a parameter
/// leaves a bound again as soon as the gradient pulls it inwards; nothing is clamped after the fact.</item>
/// <item>Newton steps with a central-difference Hessian of the analytic gradient (or the objective's own Hessian),
/// reduced to the parameters not held on a bound, until EDM = ½ gᵀH⁻¹g ≤ <see cref="FitOptions.EdmTolerance"/>.
/// The same Hessian at the minimum gives the covariance. Fits without uncertainties
/// (<see cref="FitOptions.ComputeUncertainties"/> false: scan points, impacts, toys) skip this phase when the BFGS
/// estimate of the EDM already meets the tolerance.</item>
/// </list>
/// <para>An instance owns all scratch memory and reuses it across fits of the same or smaller size: iterations
/// allocate nothing. One instance serves one thread at a time.</para>
/// </remarks>
public sealed class Minimizer
{
    // A Newton step that is expected to move the point by more than ~1.4e-2 σ (EDM above this) makes the Hessian it
    // used stale for the next one.
    private const double StaleHessianEdm = 1e-4;

    // The covariance must come from a Hessian computed within ~1.4e-3 σ of the final point (EDM there below this).
    private const double CovarianceHessianEdm = 1e-6;

    private const int MaxNewtonIterations = 50;

    /// <summary>Quasi-Newton iterations after which Newton steps take over: BFGS needs about m to learn the curvature.</summary>
    private static int NewtonHandover(int m) => Math.Max(100, 5 * m);
    private const int MaxBacktracks = 60;
    private const double ArmijoFactor = 1e-4;

    private readonly FitOptions _options;

    private IObjectiveEvaluator _evaluator = null!;
    private IObjectiveEvaluator[] _hessianEvaluators = [];
    private IObjective? _cachedObjective;

    private int _n;
    private int _m;
    private int _evaluations;
    private int _iterations;
    private bool _inverseValid;
    private bool _hessianValid;

    private int[] _free = [];
    private int[] _inactive = [];
    private bool[] _active = [];
    private double[] _full = [];
    private double[] _fullGradient = [];
    private double[] _x = [];
    private double[] _g = [];
    private double[] _xTrial = [];
    private double[] _gTrial = [];
    private double[] _direction = [];
    private double[] _lower = [];
    private double[] _upper = [];
    private double[] _by = [];
    private double[] _compact = [];
    private double[] _inverse = [];
    private double[] _hessian = [];
    private double[] _factor = [];
    private double[] _fullHessian = [];
    private HessianWorker[] _workers = [];

    /// <summary>A minimizer with the given options (<see cref="FitOptions.Default"/> when null).</summary>
    public Minimizer(FitOptions? options = null)
    {
        _options = options ?? FitOptions.Default;
    }

    /// <summary>The options this minimizer runs with.</summary>
    public FitOptions Options => _options;

    /// <summary>
    /// Minimises <paramref name="objective"/> from <paramref name="input"/>. Evaluators are created once per objective
    /// and kept while the same objective is passed again.
    /// </summary>
    public FitResult Minimize(IObjective objective, FitInput input)
    {
        ArgumentNullException.ThrowIfNull(objective);
        if (!ReferenceEquals(objective, _cachedObjective))
        {
            _cachedObjective = null;
            _evaluator = objective.CreateEvaluator();
            _hessianEvaluators = new IObjectiveEvaluator[_options.HessianParallelism];
            _hessianEvaluators[0] = _evaluator;
            for (int i = 1; i < _hessianEvaluators.Length; i++)
            {
                _hessianEvaluators[i] = objective.CreateEvaluator();
            }

            _cachedObjective = objective;
        }

        if (objective.Dimension != input.Dimension)
        {
            throw new ArgumentException($"the objective has {objective.Dimension} parameters but the fit input {input.Dimension}", nameof(input));
        }

        return Run(input);
    }

    /// <summary>
    /// Minimises through <paramref name="evaluator"/> from <paramref name="input"/>, on the calling thread only
    /// (<see cref="FitOptions.HessianParallelism"/> needs <see cref="Minimize(IObjective, FitInput)"/>).
    /// </summary>
    public FitResult Minimize(IObjectiveEvaluator evaluator, FitInput input)
    {
        ArgumentNullException.ThrowIfNull(evaluator);
        _cachedObjective = null;
        _evaluator = evaluator;
        _hessianEvaluators = [evaluator];
        return Run(input);
    }

    private FitResult Run(FitInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        Prepare(input);
        double[] start = (double[])input.Initial.Clone();
        try
        {
            return RunPhases(input);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // A model that throws for some parameter values fails this fit only; the caller decides what to do.
            return FitResult.FromException(exception, start);
        }
    }

    private FitResult RunPhases(FitInput input)
    {
        if (_m == 0)
        {
            double value = _evaluator.ValueAndGradient(_full, _fullGradient);
            _evaluations = 1;
            return Result(input, FitStatus.Converged, "no free parameters", value, 0.0, withCovariance: false);
        }

        double f = Evaluate(_x, _g);
        if (double.IsPositiveInfinity(f))
        {
            return Result(input, FitStatus.NotFinite, "the objective or its gradient is not finite at the initial point", double.NaN, double.NaN, withCovariance: false);
        }

        if (!SetInverseFromCovariance(input.StartCovariance))
        {
            ComputeHessian(central: false);
            SetInverseFromHessian();
        }

        // Without uncertainties to report, the quasi-Newton EDM estimate decides convergence on its own and the
        // Newton phase (a Hessian of 2 gradients per parameter) only runs when BFGS stalls.
        double quasiNewtonTarget = _options.ComputeUncertainties ? _options.QuasiNewtonEdmTolerance : _options.EdmTolerance;
        FitStatus? stop = null;
        string message = string.Empty;
        bool resetDone = false;
        while (true)
        {
            if (_iterations >= _options.MaxIterations)
            {
                stop = FitStatus.MaxIterations;
                message = $"iteration limit {_options.MaxIterations} reached";
                break;
            }

            if (_evaluations >= _options.MaxEvaluations)
            {
                stop = FitStatus.MaxEvaluations;
                message = $"evaluation limit {_options.MaxEvaluations} reached";
                break;
            }

            UpdateActiveSet();
            double edm = QuasiNewtonDirection();
            if (edm <= quasiNewtonTarget && !_options.ComputeUncertainties)
            {
                stop = FitStatus.Converged;
                message = $"EDM {Format(edm)} ≤ {Format(_options.EdmTolerance)} (quasi-Newton estimate)";
                break;
            }

            if (edm <= quasiNewtonTarget || _iterations >= NewtonHandover(_m))
            {
                // Converged as far as BFGS goes, or creeping (a curved valley along a bound): Newton steps with the
                // true Hessian finish either.
                break;
            }

            if (!LineSearch(f, out double fNew))
            {
                if (resetDone)
                {
                    // Newton steps with the true Hessian may still get there; they decide the status.
                    break;
                }

                // A stale BFGS approximation is the usual cause: start again from the Hessian here.
                ComputeHessian(central: false);
                SetInverseFromHessian();
                resetDone = true;
                continue;
            }

            _iterations++;
            UpdateInverse();
            f = fNew;
            Swap(ref _x, ref _xTrial);
            Swap(ref _g, ref _gTrial);
        }

        double finalEdm = double.NaN;
        if (stop is null)
        {
            (stop, message, f, finalEdm) = NewtonPolish(f);
        }
        else
        {
            UpdateActiveSet();
            finalEdm = QuasiNewtonDirection();
            if (_options.ComputeUncertainties && stop != FitStatus.Converged)
            {
                // The stored Hessian is the start point's; report uncertainties where the fit stopped.
                ComputeHessian(central: true);
            }
        }

        return Result(input, stop.Value, message, f, finalEdm, withCovariance: _options.ComputeUncertainties);
    }

    private (FitStatus Status, string Message, double Value, double Edm) NewtonPolish(double f)
    {
        ComputeHessian(central: true);
        double edmAtHessianPoint = double.NaN;
        bool hessianFresh = true;
        for (int k = 0; ; k++)
        {
            UpdateActiveSet();
            double edm = NewtonDirection(out bool positiveDefinite);
            if (hessianFresh)
            {
                edmAtHessianPoint = edm;
                hessianFresh = false;
            }

            if (edm <= _options.EdmTolerance && positiveDefinite)
            {
                if (edmAtHessianPoint > CovarianceHessianEdm && _options.ComputeUncertainties)
                {
                    // The Hessian was computed far from here: recompute it where the covariance is reported.
                    ComputeHessian(central: true);
                    UpdateActiveSet();
                    edm = NewtonDirection(out _);
                }

                return (FitStatus.Converged, $"EDM {Format(edm)} ≤ {Format(_options.EdmTolerance)}", f, edm);
            }

            if (k >= MaxNewtonIterations || _iterations >= _options.MaxIterations)
            {
                return (FitStatus.MaxIterations, $"iteration limit reached with EDM {Format(edm)}", f, edm);
            }

            if (_evaluations >= _options.MaxEvaluations)
            {
                return (FitStatus.MaxEvaluations, $"evaluation limit {_options.MaxEvaluations} reached with EDM {Format(edm)}", f, edm);
            }

            if (!LineSearch(f, out double fNew))
            {
                // Near the minimum the predicted decrease can fall below the objective's rounding noise: the point
                // is then as good as the objective can tell.
                if (edm <= 1e3 * _options.EdmTolerance && positiveDefinite)
                {
                    return (FitStatus.Converged, $"EDM {Format(edm)}: no further decrease at the objective's rounding level", f, edm);
                }

                return (FitStatus.LineSearchFailed, $"no decrease along the Newton direction (EDM {Format(edm)})", f, edm);
            }

            _iterations++;
            f = fNew;
            Swap(ref _x, ref _xTrial);
            Swap(ref _g, ref _gTrial);
            if (edm > StaleHessianEdm || !positiveDefinite)
            {
                ComputeHessian(central: true);
                hessianFresh = true;
            }
        }
    }

    private void Prepare(FitInput input)
    {
        int n = input.Dimension;
        int m = 0;
        for (int i = 0; i < n; i++)
        {
            if (!input.Fixed[i])
            {
                m++;
            }
        }

        EnsureCapacity(n, m);
        _n = n;
        _m = m;
        _evaluations = 0;
        _iterations = 0;
        _inverseValid = false;
        _hessianValid = false;
        input.Initial.CopyTo(_full, 0);
        int j = 0;
        for (int i = 0; i < n; i++)
        {
            if (!input.Fixed[i])
            {
                _free[j] = i;
                _x[j] = input.Initial[i];
                _lower[j] = input.Lower[i];
                _upper[j] = input.Upper[i];
                j++;
            }
        }
    }

    private void EnsureCapacity(int n, int m)
    {
        if (_full.Length < n)
        {
            _full = new double[n];
            _fullGradient = new double[n];
        }

        if (_x.Length < m)
        {
            _free = new int[m];
            _inactive = new int[m];
            _active = new bool[m];
            _x = new double[m];
            _g = new double[m];
            _xTrial = new double[m];
            _gTrial = new double[m];
            _direction = new double[m];
            _lower = new double[m];
            _upper = new double[m];
            _by = new double[m];
            _compact = new double[m];
            _inverse = new double[m * m];
            _hessian = new double[m * m];
            _factor = new double[m * m];
        }

        if (_workers.Length < _hessianEvaluators.Length)
        {
            _workers = new HessianWorker[_hessianEvaluators.Length];
        }

        for (int w = 0; w < _hessianEvaluators.Length; w++)
        {
            if (_workers[w] is null || _workers[w].Full.Length < n)
            {
                _workers[w] = new HessianWorker(n);
            }
        }
    }

    /// <summary>Value and gradient (free part) at the free parameters <paramref name="x"/>; +∞ when not finite.</summary>
    private double Evaluate(double[] x, double[] g)
    {
        for (int i = 0; i < _m; i++)
        {
            _full[_free[i]] = x[i];
        }

        double f = _evaluator.ValueAndGradient(_full.AsSpan(0, _n), _fullGradient.AsSpan(0, _n));
        _evaluations++;
        bool finite = double.IsFinite(f);
        for (int i = 0; i < _m; i++)
        {
            double gi = _fullGradient[_free[i]];
            g[i] = gi;
            finite &= double.IsFinite(gi);
        }

        return finite ? f : double.PositiveInfinity;
    }

    /// <summary>A free parameter is held when it sits on a bound and the gradient points out of the box.</summary>
    private void UpdateActiveSet()
    {
        for (int i = 0; i < _m; i++)
        {
            _active[i] = (_x[i] <= _lower[i] && _g[i] > 0) || (_x[i] >= _upper[i] && _g[i] < 0);
        }
    }

    /// <summary>d = −B·g over the parameters not held; returns the EDM estimate ½ gᵀB g.</summary>
    private double QuasiNewtonDirection()
    {
        double edm = 0;
        for (int i = 0; i < _m; i++)
        {
            if (_active[i])
            {
                _direction[i] = 0;
                continue;
            }

            ReadOnlySpan<double> row = _inverse.AsSpan(i * _m, _m);
            double sum = 0;
            for (int k = 0; k < _m; k++)
            {
                if (!_active[k])
                {
                    sum += row[k] * _g[k];
                }
            }

            _direction[i] = -sum;
            edm += _g[i] * sum;
        }

        edm *= 0.5;
        if (!(edm >= 0))
        {
            // Rounding made the approximation indefinite: start again from the Hessian.
            if (!_hessianValid)
            {
                ComputeHessian(central: false);
            }

            SetInverseFromHessian();
            return QuasiNewtonDirection();
        }

        return edm;
    }

    /// <summary>
    /// d = −H_II⁻¹ g_I over the set I of parameters not held on a bound; returns EDM = ½ g_Iᵀ H_II⁻¹ g_I. When H_II is
    /// not positive definite a multiple of its diagonal is added (Levenberg) and <paramref name="positiveDefinite"/> is false.
    /// </summary>
    private double NewtonDirection(out bool positiveDefinite)
    {
        int count = 0;
        for (int i = 0; i < _m; i++)
        {
            if (!_active[i])
            {
                _inactive[count++] = i;
            }
        }

        positiveDefinite = true;
        double damping = 0;
        while (!FactorReduced(count, damping))
        {
            positiveDefinite = false;
            damping = damping == 0 ? 1e-8 : damping * 10;
            if (damping > 1e8)
            {
                // Nothing sensible left: fall back to a scaled gradient step.
                for (int i = 0; i < _m; i++)
                {
                    _direction[i] = 0;
                }

                double edmFallback = 0;
                for (int a = 0; a < count; a++)
                {
                    int i = _inactive[a];
                    double scale = 1.0 / Math.Max(Math.Abs(_hessian[(i * _m) + i]), 1e-300);
                    _direction[i] = -scale * _g[i];
                    edmFallback += scale * _g[i] * _g[i];
                }

                return 0.5 * edmFallback;
            }
        }

        Span<double> rhs = _compact.AsSpan(0, count);
        for (int a = 0; a < count; a++)
        {
            rhs[a] = _g[_inactive[a]];
        }

        DenseCholesky.Solve(_factor.AsSpan(0, count * count), count, rhs);
        double edm = 0;
        for (int i = 0; i < _m; i++)
        {
            _direction[i] = 0;
        }

        for (int a = 0; a < count; a++)
        {
            int i = _inactive[a];
            _direction[i] = -rhs[a];
            edm += _g[i] * rhs[a];
        }

        return 0.5 * edm;
    }

    private bool FactorReduced(int count, double damping)
    {
        Span<double> factor = _factor.AsSpan(0, count * count);
        for (int a = 0; a < count; a++)
        {
            int i = _inactive[a];
            for (int b = 0; b < count; b++)
            {
                factor[(a * count) + b] = _hessian[(i * _m) + _inactive[b]];
            }

            factor[(a * count) + a] += damping * Math.Abs(_hessian[(i * _m) + i]);
        }

        return DenseCholesky.Factor(factor, count);
    }

    /// <summary>
    /// Backtracking along the projection arc x(α) = P(x + α d) until f(x(α)) ≤ f + c·gᵀ(x(α) − x). Leaves the accepted
    /// point in the trial buffers.
    /// </summary>
    private bool LineSearch(double f, out double fNew)
    {
        double alpha = 1.0;
        for (int t = 0; t < MaxBacktracks; t++)
        {
            double slope = 0;
            bool moved = false;
            for (int i = 0; i < _m; i++)
            {
                double xi = Math.Clamp(_x[i] + (alpha * _direction[i]), _lower[i], _upper[i]);
                _xTrial[i] = xi;
                double step = xi - _x[i];
                moved |= step != 0;
                slope += _g[i] * step;
            }

            if (!moved || _evaluations >= _options.MaxEvaluations)
            {
                fNew = f;
                return false;
            }

            fNew = Evaluate(_xTrial, _gTrial);
            if (fNew <= f + (ArmijoFactor * slope) && slope < 0)
            {
                return true;
            }

            if (double.IsFinite(fNew) && slope < 0)
            {
                // Minimum of the parabola through f, the slope and fNew, kept within [0.1, 0.5] of the step.
                double curvature = fNew - f - slope;
                double next = curvature > 0 ? -0.5 * slope / curvature : 0.5;
                alpha *= Math.Clamp(next, 0.1, 0.5);
            }
            else
            {
                alpha *= 0.1;
            }
        }

        fNew = f;
        return false;
    }

    /// <summary>BFGS update of the inverse approximation with s = x_trial − x, y = g_trial − g (skipped when sᵀy ≤ 0).</summary>
    private void UpdateInverse()
    {
        double sy = 0;
        double ss = 0;
        double yy = 0;
        for (int i = 0; i < _m; i++)
        {
            double s = _xTrial[i] - _x[i];
            double y = _gTrial[i] - _g[i];
            sy += s * y;
            ss += s * s;
            yy += y * y;
        }

        if (!(sy > 1e-12 * Math.Sqrt(ss * yy)))
        {
            return;
        }

        double rho = 1.0 / sy;
        double yBy = 0;
        for (int i = 0; i < _m; i++)
        {
            ReadOnlySpan<double> row = _inverse.AsSpan(i * _m, _m);
            double sum = 0;
            for (int k = 0; k < _m; k++)
            {
                sum += row[k] * (_gTrial[k] - _g[k]);
            }

            _by[i] = sum;
            yBy += (_gTrial[i] - _g[i]) * sum;
        }

        // B⁺ = B − ρ(s·(By)ᵀ + (By)·sᵀ) + (ρ²·yᵀBy + ρ)·s·sᵀ
        double c = (rho * rho * yBy) + rho;
        for (int i = 0; i < _m; i++)
        {
            double si = _xTrial[i] - _x[i];
            double byi = _by[i];
            Span<double> row = _inverse.AsSpan(i * _m, _m);
            for (int k = 0; k < _m; k++)
            {
                double sk = _xTrial[k] - _x[k];
                row[k] += (-rho * ((si * _by[k]) + (byi * sk))) + (c * si * sk);
            }
        }
    }

    /// <summary>
    /// B = covariance/(2·up) over the free parameters when a usable start covariance is given (finite, positive
    /// diagonal, positive definite); false otherwise.
    /// </summary>
    private bool SetInverseFromCovariance(double[][]? covariance)
    {
        if (covariance is null || covariance.Length != _n)
        {
            return false;
        }

        int m = _m;
        double scale = 1.0 / (2.0 * _options.ErrorDefinition);
        Span<double> factor = _factor.AsSpan(0, m * m);
        for (int a = 0; a < m; a++)
        {
            double[] row = covariance[_free[a]];
            if (row is null || row.Length != _n)
            {
                return false;
            }

            for (int b = 0; b < m; b++)
            {
                double value = row[_free[b]] * scale;
                if (!double.IsFinite(value))
                {
                    return false;
                }

                _inverse[(a * m) + b] = value;
                factor[(a * m) + b] = value;
            }
        }

        // Positive definiteness keeps −B·g a descent direction.
        if (!DenseCholesky.Factor(factor, m))
        {
            return false;
        }

        _inverseValid = true;
        return true;
    }

    /// <summary>B = H⁻¹ from the current Hessian (with Levenberg damping if it is not positive definite).</summary>
    private void SetInverseFromHessian()
    {
        int m = _m;
        Span<double> factor = _factor.AsSpan(0, m * m);
        for (double damping = 0; damping <= 1e8; damping = damping == 0 ? 1e-8 : damping * 100)
        {
            _hessian.AsSpan(0, m * m).CopyTo(factor);
            for (int i = 0; i < m; i++)
            {
                factor[(i * m) + i] += damping * Math.Abs(_hessian[(i * m) + i]);
            }

            if (DenseCholesky.Factor(factor, m))
            {
                DenseCholesky.Invert(factor, m, _inverse, _compact);
                _inverseValid = true;
                return;
            }
        }

        _inverse.AsSpan(0, m * m).Clear();
        for (int i = 0; i < m; i++)
        {
            double diagonal = Math.Abs(_hessian[(i * m) + i]);
            _inverse[(i * m) + i] = diagonal > 0 && double.IsFinite(diagonal) ? 1.0 / diagonal : 1.0;
        }

        _inverseValid = true;
    }

    /// <summary>
    /// The Hessian over the free parameters at the current point: the objective's own when it has one, else finite
    /// differences of the gradient, one column per parameter (central, or forward for the cheap starting estimate;
    /// one-sided inwards on a bound), in parallel over columns when several evaluators exist.
    /// </summary>
    private void ComputeHessian(bool central)
    {
        int m = _m;
        for (int i = 0; i < m; i++)
        {
            _full[_free[i]] = _x[i];
        }

        if (_evaluator is IHessianEvaluator analytic)
        {
            int n = _n;
            if (_fullHessian.Length < n * n)
            {
                _fullHessian = new double[n * n];
            }

            analytic.Hessian(_full.AsSpan(0, n), _fullHessian.AsSpan(0, n * n));
            _evaluations++;
            _hessianValid = true;
            for (int a = 0; a < m; a++)
            {
                for (int b = 0; b < m; b++)
                {
                    _hessian[(a * m) + b] = _fullHessian[(_free[a] * n) + _free[b]];
                }
            }

            return;
        }

        int workers = Math.Min(_hessianEvaluators.Length, m);
        if (workers <= 1)
        {
            HessianColumns(0, 0, m, central);
        }
        else
        {
            // Contiguous blocks of columns per worker: every column is computed the same way whatever the split.
            Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, w =>
                HessianColumns(w, (int)((long)m * w / workers), (int)((long)m * (w + 1) / workers), central));
        }

        _evaluations += central ? 2 * m : m;
        _hessianValid = true;
        for (int i = 0; i < m; i++)
        {
            for (int j = i + 1; j < m; j++)
            {
                double mean = 0.5 * (_hessian[(i * m) + j] + _hessian[(j * m) + i]);
                _hessian[(i * m) + j] = mean;
                _hessian[(j * m) + i] = mean;
            }
        }
    }

    private void HessianColumns(int worker, int from, int to, bool central)
    {
        HessianWorker scratch = _workers[worker];
        IObjectiveEvaluator evaluator = _hessianEvaluators[worker];
        int n = _n;
        int m = _m;
        Span<double> full = scratch.Full.AsSpan(0, n);
        Span<double> plus = scratch.GradientPlus.AsSpan(0, n);
        Span<double> minus = scratch.GradientMinus.AsSpan(0, n);
        _full.AsSpan(0, n).CopyTo(full);
        for (int j = from; j < to; j++)
        {
            int p = _free[j];
            double xj = _x[j];
            double h = HessianStep(j);
            bool roomAbove = xj + h <= _upper[j];
            bool roomBelow = xj - h >= _lower[j];
            double hPlus;
            double hMinus;
            if (central && roomAbove && roomBelow)
            {
                hPlus = h;
                hMinus = h;
            }
            else if (roomAbove || !roomBelow)
            {
                hPlus = roomAbove ? h : Math.Max(_upper[j] - xj, 0);
                hMinus = 0;
            }
            else
            {
                hPlus = 0;
                hMinus = h;
            }

            if (hPlus > 0)
            {
                full[p] = xj + hPlus;
                evaluator.ValueAndGradient(full, plus);
            }
            else
            {
                GradientAtPoint(plus);
            }

            if (hMinus > 0)
            {
                full[p] = xj - hMinus;
                evaluator.ValueAndGradient(full, minus);
            }
            else
            {
                GradientAtPoint(minus);
            }

            full[p] = xj;
            double width = hPlus + hMinus;
            for (int i = 0; i < m; i++)
            {
                int q = _free[i];
                _hessian[(i * m) + j] = width > 0 ? (plus[q] - minus[q]) / width : 0.0;
            }
        }
    }

    private void GradientAtPoint(Span<double> destination)
    {
        // _g holds the free part of the gradient at _x (the last evaluation may have been a rejected trial point);
        // fixed components are never read.
        for (int i = 0; i < _m; i++)
        {
            destination[_free[i]] = _g[i];
        }
    }

    /// <summary>
    /// The difference step for column j: 1e-4 of the parameter's width where the inverse-Hessian approximation knows
    /// it (truncation error ~1e-8 relative), else 1e-5 of its magnitude (at least 1e-5).
    /// </summary>
    private double HessianStep(int j)
    {
        double scale = Math.Max(Math.Abs(_x[j]), 1.0);
        double h = 1e-5 * scale;
        double inverseDiagonal = _inverseValid ? _inverse[(j * _m) + j] : 0;
        if (inverseDiagonal > 0 && double.IsFinite(inverseDiagonal))
        {
            h = Math.Clamp(1e-4 * Math.Sqrt(inverseDiagonal), 1e-10 * scale, 1e-2 * scale);
        }

        return h;
    }

    private FitResult Result(FitInput input, FitStatus status, string message, double value, double edm, bool withCovariance)
    {
        int n = _n;
        double[] parameters = (double[])input.Initial.Clone();
        for (int i = 0; i < _m; i++)
        {
            parameters[_free[i]] = _x[i];
        }

        List<int> atBound = [];
        for (int i = 0; i < _m; i++)
        {
            if (_active[i])
            {
                atBound.Add(_free[i]);
            }
        }

        double[]? uncertainties = null;
        double[][]? covariance = null;
        double[][]? correlation = null;
        if (withCovariance && _m > 0)
        {
            (uncertainties, covariance, correlation, string? problem) = Covariance(n);
            if (problem is not null)
            {
                message += "; " + problem;
            }
        }
        else if (_options.ComputeUncertainties && status == FitStatus.Converged && _m == 0)
        {
            uncertainties = new double[n];
        }

        return new FitResult
        {
            Status = status,
            Message = message,
            Value = value,
            Parameters = parameters,
            Uncertainties = uncertainties,
            Covariance = covariance,
            Correlation = correlation,
            Edm = edm,
            Iterations = _iterations,
            Evaluations = _evaluations,
            AtBound = [.. atBound],
        };
    }

    /// <summary>
    /// Covariance = 2·up·H⁻¹ over the free parameters not held on a bound. A parameter held on a bound (a signal
    /// strength fitted to 0) is treated as fixed for the others' covariance, as MINUIT's bound transformation does in
    /// effect (its internal-to-external derivative vanishes there); its own uncertainty is the unconstrained estimate
    /// √(2·up·(H⁻¹)_ii) from the full Hessian, and its correlations are reported as 0.
    /// </summary>
    private (double[] Uncertainties, double[][] Covariance, double[][] Correlation, string? Problem) Covariance(int n)
    {
        int m = _m;
        double scale = 2.0 * _options.ErrorDefinition;
        double[] uncertainties = new double[n];
        double[][] covariance = new double[n][];
        double[][] correlation = new double[n][];
        for (int i = 0; i < n; i++)
        {
            covariance[i] = new double[n];
            correlation[i] = new double[n];
        }

        int count = 0;
        bool anyHeld = false;
        for (int a = 0; a < m; a++)
        {
            if (_active[a])
            {
                anyHeld = true;
            }
            else
            {
                _inactive[count++] = a;
            }
        }

        if (anyHeld)
        {
            Span<double> full = _factor.AsSpan(0, m * m);
            _hessian.AsSpan(0, m * m).CopyTo(full);
            bool positive = DenseCholesky.Factor(full, m);
            if (positive)
            {
                DenseCholesky.Invert(full, m, _inverse, _compact);
            }

            for (int a = 0; a < m; a++)
            {
                if (_active[a])
                {
                    int i = _free[a];
                    uncertainties[i] = positive ? Math.Sqrt(scale * _inverse[(a * m) + a]) : double.NaN;
                    covariance[i][i] = uncertainties[i] * uncertainties[i];
                    correlation[i][i] = 1.0;
                }
            }
        }

        if (!FactorReduced(count, 0.0))
        {
            for (int a = 0; a < count; a++)
            {
                int i = _free[_inactive[a]];
                uncertainties[i] = double.NaN;
                Array.Fill(covariance[i], double.NaN);
                Array.Fill(correlation[i], double.NaN);
            }

            return (uncertainties, covariance, correlation, "the Hessian is not positive definite: no uncertainties");
        }

        DenseCholesky.Invert(_factor.AsSpan(0, count * count), count, _inverse, _compact);
        for (int a = 0; a < count; a++)
        {
            uncertainties[_free[_inactive[a]]] = Math.Sqrt(scale * _inverse[(a * count) + a]);
        }

        for (int a = 0; a < count; a++)
        {
            int i = _free[_inactive[a]];
            for (int b = 0; b < count; b++)
            {
                int j = _free[_inactive[b]];
                double c = scale * _inverse[(a * count) + b];
                covariance[i][j] = c;
                correlation[i][j] = a == b ? 1.0 : c / (uncertainties[i] * uncertainties[j]);
            }
        }

        return (uncertainties, covariance, correlation, null);
    }

    private static string Format(double value) => value.ToString("G3", CultureInfo.InvariantCulture);

    private static void Swap(ref double[] a, ref double[] b) => (a, b) = (b, a);

    private sealed class HessianWorker(int n)
    {
        public double[] Full { get; } = new double[n];

        public double[] GradientPlus { get; } = new double[n];

        public double[] GradientMinus { get; } = new double[n];
    }
}
