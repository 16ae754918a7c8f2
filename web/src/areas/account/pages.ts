// The account area's pages: one chunk, loaded when one of its routes is first visited.
export { ApiKeys } from './ApiKeys';
export { ChangePassword } from './ChangePassword';
export { ForgotPassword, ResetPassword } from './PasswordReset';
export { Security } from './Security';
export { Sessions } from './Sessions';
export { SignIn } from './SignIn';
export { SignUp } from './SignUp';
export { VerifyEmail } from './VerifyEmail';
